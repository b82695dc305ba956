/// The face-photo findings, in Japanese and English. The ISA's photo is 40 mm high and 30 mm wide, so ratios are
/// also given in millimetres of that print: what the applicant's photo shop or app works in.
extension Finding {
    static func photoTypeNotAllowed(mime: String, allowed: [String]) -> Finding {
        let kind = MIMENames.describe(mime)
        return Finding(
            code: .photoTypeNotAllowed, severity: .error,
            message: LocalizedMessage(
                ja: "顔写真の形式が受け付けられません（内容から判定した形式: \(kind.ja)）"
                    + "。顔写真は JPEG または PNG で送ってください。"
                    + "iPhone の HEIC 写真は「設定 > カメラ > フォーマット > 互換性優先」で撮"
                    + "り直すか、JPEG に書き出してください。",
                en: "The face photo's format is not accepted (its content is \(kind.en)). Send the photo as a JPEG or "
                    + "PNG file. For an iPhone HEIC photo, set Settings > Camera > Formats > Most Compatible and take "
                    + "it again, or export it as JPEG."),
            detail: ["detected": .string(mime), "allowed": .strings(allowed), "slot": .string(Slot.photo.rawValue)])
    }

    static func photoMalformed(_ reason: String, failure: InspectionFailure.Reason?) -> Finding {
        var detail: [String: DetailValue] = ["decoder": .string(reason)]
        if let failure { detail["failure"] = .string(failure.rawValue) }
        return Finding(
            code: .photoMalformed, severity: .error,
            message: LocalizedMessage(
                ja: "顔写真の画像を読み取れません（\(reason)）。ファイルが壊れている可能"
                    + "性があります。"
                    + "元の写真から JPEG で保存し直して送ってください。",
                en: "The face photo cannot be read (\(reason)); the file may be damaged. Save the original photo "
                    + "again as a JPEG and upload it."),
            detail: detail)
    }

    static func photoFileTooLarge(bytes: Int64, limit: ByteSize) -> Finding {
        Finding(
            code: .photoFileTooLarge, severity: .error,
            message: LocalizedMessage(
                ja: "顔写真のファイルが \(ByteSize(bytes: bytes)) あり、上限の \(limit) を超えてい"
                    + "ます。"
                    + "縦 800 × 横 600 ピクセル程度に縮小して保存し直してください（通常 300 "
                    + "kB 以下になります）。",
                en: "The face photo file is \(ByteSize(bytes: bytes)); a photo may be at most \(limit). Resize it "
                    + "to about 600 × 800 pixels and save it again (usually under 300 kB)."),
            detail: ["bytes": .int(bytes), "limit": .int(limit.bytes)])
    }

    /// The finding for a failed photo check, its message naming the measured value and what would pass.
    static func photo(_ check: PhotoCheck, specification spec: PhotoSpecification) -> Finding {
        let value = check.value ?? 0
        let message: LocalizedMessage
        var severity = Severity.error
        switch check.code {
        case .photoTooManyPixels:
            message = LocalizedMessage(
                ja: "顔写真の画素数が \(megapixels(value)) 万画素あり、上限の "
                    + "\(megapixels(check.maximum ?? 0)) 万画素を超えています。"
                    + "縦 800 × 横 600 ピクセル程度に縮小してください。",
                en:
                    "The face photo has \(megapixels(value) / 100) megapixels, more than the \(megapixels(check.maximum ?? 0) / 100) "
                    + "allowed. Resize it to about 600 × 800 pixels.")
        case .photoTooSmall:
            message = LocalizedMessage(
                ja: "顔写真が小さすぎます（横 × 縦 = \(check.text ?? "\(Int(value))") ピクセル）。"
                    + "横 \(spec.minWidth) × 縦 \(spec.minHeight) ピクセル以上の写真を送ってくださ"
                    + "い。"
                    + "縮小された写真ではなく、撮影した元の写真を使ってください。",
                en: "The face photo is too small (\(check.text ?? "\(Int(value))") pixels, width × height). "
                    + "Send a photo of at least \(spec.minWidth) × \(spec.minHeight) pixels (width × height), made "
                    + "from the original picture rather than a reduced copy.")
        case .photoAspectRatio:
            message = LocalizedMessage(
                ja: "顔写真の縦横比が 縦:横 = 1:\(fixed(value, 2)) で、規定の 縦 4 : 横 3（縦 40 mm "
                    + "× 横 30 mm）と異なります。"
                    + "縦 4 : 横 3 に切り抜いてください（例: 縦 800 × 横 600 ピクセル）。",
                en: "The face photo's width is \(fixed(value, 2)) of its height; it must be 3 wide by 4 high "
                    + "(30 mm × 40 mm). Crop it to 3:4, for example 600 × 800 pixels.")
        case .photoTooOld:
            message = LocalizedMessage(
                ja: "顔写真の撮影日（\(check.text ?? "")）が申請日より \(spec.maxAgeMonths) か月以"
                    + "上前です。"
                    + "申請前 \(spec.maxAgeMonths) か月以内に撮影した写真を送ってください。",
                en: "The face photo was taken on \(check.text ?? ""), more than \(spec.maxAgeMonths) months before the "
                    + "application. Send a photo taken within the \(spec.maxAgeMonths) months before applying.")
        case .photoGrayscale:
            message = LocalizedMessage(
                ja: "顔写真が白黒です。カラーで撮影した写真を送ってください。",
                en: "The face photo is black and white. Send a colour photo.")
        case .photoNoFace:
            message = LocalizedMessage(
                ja: "顔写真から顔を見つけられませんでした。正面を向き、顔全体がはっき"
                    + "り写った写真を送ってください"
                    + "（帽子・マスク・サングラスは外してください）。",
                en: "No face could be found in the photo. Send a photo that shows your whole face clearly, looking "
                    + "straight at the camera, without a hat, mask or sunglasses.")
        case .photoMultipleFaces:
            message = LocalizedMessage(
                ja: "顔写真に \(Int(value)) 人の顔が写っています。申請人本人だけが写った写"
                    + "真を送ってください。",
                en: "The photo shows \(Int(value)) faces. Send a photo of the applicant alone.")
        case .photoFaceTooSmall, .photoFaceTooLarge:
            let small = check.code == .photoFaceTooSmall
            message = LocalizedMessage(
                ja: "顔（頭頂から顎まで）の高さが写真の \(percent(value)) %（縦 40 mm の写真で"
                    + "約 \(millimetres(value)) mm）です。"
                    + "規定は \(millimetres(spec.headHeight.lowerBound))"
                    + "〜\(millimetres(spec.headHeight.upperBound)) mm"
                    + "（\(percent(spec.headHeight.lowerBound))〜\(percent(spec.headHeight.upperBound)) %）です。"
                    + (small
                        ? "顔が大きく写るように切り抜き直してください"
                            + "。" : "顔の周りに余白を残して切り抜き直してください。"),
                en:
                    "Your head (crown to chin) is \(percent(value)) % of the photo's height, about \(millimetres(value)) mm "
                    + "of a 40 mm print; it must be \(millimetres(spec.headHeight.lowerBound))–"
                    + "\(millimetres(spec.headHeight.upperBound)) mm (\(percent(spec.headHeight.lowerBound))–"
                    + "\(percent(spec.headHeight.upperBound)) %). "
                    + (small
                        ? "Crop the photo closer to your face." : "Crop the photo with more space around your head."))
        case .photoTopMargin:
            let tooLittle = value < (check.minimum ?? 0)
            message = LocalizedMessage(
                ja: "頭の上の余白が写真の高さの \(percent(value)) %（約 \(millimetres(value)) mm）で"
                    + "す。"
                    + "\(millimetres(spec.topMargin.lowerBound))〜\(millimetres(spec.topMargin.upperBound)) mm に"
                    + "なるよう"
                    + (tooLittle
                        ? "頭の上に余白を残し"
                            + "て" : "頭の上の余白を減らして") + "切り抜き直してください。",
                en:
                    "The space above your head is \(percent(value)) % of the photo's height (about \(millimetres(value)) mm); "
                    + "it must be \(millimetres(spec.topMargin.lowerBound))–\(millimetres(spec.topMargin.upperBound)) mm. "
                    + (tooLittle
                        ? "Crop again leaving more space above your head."
                        : "Crop again with less space above your head."))
        case .photoFaceOffCenter:
            let side = value < 0.5 ? (ja: "左", en: "left") : (ja: "右", en: "right")
            message = LocalizedMessage(
                ja: "顔の中心が写真の左端から \(percent(value)) % の位置にあり、\(side.ja)に寄っ"
                    + "ています。"
                    + "顔が左右の中央（\(percent(0.5 - spec.centerTolerance))"
                    + "〜\(percent(0.5 + spec.centerTolerance)) %）に来るよう切り抜き直してくだ"
                    + "さい。",
                en: "Your face is centred at \(percent(value)) % of the photo's width, off to the \(side.en). Crop the "
                    + "photo so that your face is in the middle (\(percent(0.5 - spec.centerTolerance))–"
                    + "\(percent(0.5 + spec.centerTolerance)) %).")
        case .photoHeadTilted:
            message = LocalizedMessage(
                ja: "頭が \(fixed(value, 1))° 傾いています（許容は \(fixed(spec.maxRollDegrees, 0))° "
                    + "まで）。"
                    + "両目が水平になるよう、まっすぐ正面を向いて撮り直してください。",
                en:
                    "Your head is tilted by \(fixed(value, 1))° (at most \(fixed(spec.maxRollDegrees, 0))° is allowed). "
                    + "Take the photo again with your head straight and both eyes level.")
        case .photoNotFrontal:
            let turn = check.measure == "yaw"
            message = LocalizedMessage(
                ja: (turn
                    ? "顔が左右に \(fixed(value, 1))° 向いていま"
                        + "す" : "顔が上下に \(fixed(value, 1))° 傾いています")
                    + "（許容は \(fixed(check.maximum ?? 0, 0))° まで）。カメラを正面から見て撮り"
                    + "直してください。",
                en: (turn
                    ? "Your face is turned \(fixed(value, 1))° to the side"
                    : "Your head is tipped \(fixed(value, 1))° up or down")
                    + " (at most \(fixed(check.maximum ?? 0, 0))° is allowed). Take the photo again looking straight "
                    + "into the camera.")
        case .photoEyesClosed:
            message = LocalizedMessage(
                ja: "目が閉じているか、細くなっています（開き具合 \(fixed(value, 2))、必要な"
                    + "値 \(fixed(check.minimum ?? 0, 2)) 以上）。"
                    + "目をしっかり開けて撮り直してください。",
                en: "Your eyes are closed or nearly closed (openness \(fixed(value, 2)); at least "
                    + "\(fixed(check.minimum ?? 0, 2)) is needed). Take the photo again with your eyes open.")
        case .photoEyeLine:
            severity = .warning
            message = LocalizedMessage(
                ja: "目の高さが写真の下端から \(percent(value)) % の位置にあります。国際規格"
                    + "（ISO/IEC 19794-5）の目安は "
                    + "\(percent(spec.eyeLine.lowerBound))〜\(percent(spec.eyeLine.upperBound)) % です。上下の"
                    + "位置を確認してください。",
                en: "Your eyes are at \(percent(value)) % of the photo's height from the bottom; the international "
                    + "standard (ISO/IEC 19794-5) recommends \(percent(spec.eyeLine.lowerBound))–"
                    + "\(percent(spec.eyeLine.upperBound)) %. Check the vertical framing.")
        case .photoFaceResolutionLow:
            severity = .warning
            message = LocalizedMessage(
                ja: "両目の間隔が \(Int(value.rounded())) ピクセルしかなく、顔の細部が粗く写っ"
                    + "ています"
                    + "（国際規格の目安は \(Int(spec.minInterEyeDistance)) ピクセル以上）。より高"
                    + "い解像度の写真を使ってください。",
                en: "Your eyes are only \(Int(value.rounded())) pixels apart, so the face is coarse (the international "
                    + "guideline is at least \(Int(spec.minInterEyeDistance)) pixels). Use a higher-resolution photo.")
        case .photoBackgroundNotPlain where check.measure == "background_regions":
            message = LocalizedMessage(
                ja: "頭の周りに無地の背景が写っていません。頭の左右と上に背景が見える"
                    + "よう少し離れて、"
                    + "無地で明るい壁やスクリーンの前で撮り直してください。",
                en: "No plain background shows around your head. Take the photo again in front of a plain light wall "
                    + "or screen, from far enough away that the background shows beside and above your head.")
        case .photoBackgroundNotPlain:
            let shadow = check.measure == "background_imbalance"
            message = LocalizedMessage(
                ja: shadow
                    ? "背景の明るさが左右や上で異なり、影が写っています。影ができないよ"
                        + "う照明を当て、無地で明るい背景の前で撮り直してください。"
                    : "背景に模様や物が写っています。無地で明るい壁やスクリーンの前で撮"
                        + "り直してください。",
                en: shadow
                    ? "The background is brighter on one side than another: there is a shadow. Take the photo again "
                        + "in front of a plain light background, lit so that no shadow falls on it."
                    : "The background is not plain: it shows a pattern or objects. Take the photo again in front of "
                        + "a plain light wall or screen.")
        case .photoBlurry where check.measure == "image_sharpness":
            message = LocalizedMessage(
                ja: "写真全体がぼやけています（鮮明さ \(fixed(value, 1))、必要な値 "
                    + "\(fixed(check.minimum ?? 0, 0)) 以上）。"
                    + "ピントを合わせ、手ぶれしないように撮り直してください。",
                en: "The photo is blurred throughout (sharpness \(fixed(value, 1)); at least "
                    + "\(fixed(check.minimum ?? 0, 0)) is needed). Take the photo again in focus, holding the "
                    + "camera still.")
        case .photoOverexposed where check.measure == "image_highlights_clipped":
            message = LocalizedMessage(
                ja: "写真が明るすぎます。中央部の \(percent(value)) % が白く飛んでいます（許"
                    + "容は \(percent(check.maximum ?? 0)) % まで）。"
                    + "光を弱めるか、フラッシュを使わずに撮り直してください。",
                en: "The photo is too bright: \(percent(value)) % of its centre is washed out to white (at most "
                    + "\(percent(check.maximum ?? 0)) % is allowed). Take the photo again with softer light or "
                    + "without flash.")
        case .photoTooDark where check.measure == "image_shadows_clipped":
            message = LocalizedMessage(
                ja: "写真が暗すぎます。中央部の \(percent(value)) % が黒くつぶれています（許"
                    + "容は \(percent(check.maximum ?? 0)) % まで）。"
                    + "明るい場所で、顔に均一に光が当たるようにして撮り直してください"
                    + "。",
                en: "The photo is too dark: \(percent(value)) % of its centre is black (at most "
                    + "\(percent(check.maximum ?? 0)) % is allowed). Take the photo again in a bright place with even "
                    + "light on your face.")
        case .photoBlurry:
            message = LocalizedMessage(
                ja: "顔がぼやけています（鮮明さ \(fixed(value, 0))、必要な値 "
                    + "\(fixed(spec.minSharpness, 0)) 以上）。"
                    + "ピントを合わせ、手ぶれしないように撮り直してください。",
                en: "Your face is blurred (sharpness \(fixed(value, 0)); at least \(fixed(spec.minSharpness, 0)) is "
                    + "needed). Take the photo again in focus, holding the camera still.")
        case .photoTooDark:
            message = LocalizedMessage(
                ja: "顔が暗すぎます（明るさ \(Int(value.rounded())) / 255、必要な値"
                    + " \(Int(spec.faceBrightness.lowerBound)) 以上）。"
                    + "明るい場所で、顔に均一に光が当たるようにして撮り直してください"
                    + "。",
                en: "Your face is too dark (brightness \(Int(value.rounded())) of 255; at least "
                    + "\(Int(spec.faceBrightness.lowerBound)) is needed). Take the photo again in a bright place with "
                    + "even light on your face.")
        case .photoOverexposed:
            let clipped = check.measure == "face_highlights_clipped"
            message = LocalizedMessage(
                ja: clipped
                    ? "顔の \(percent(value)) % が白く飛んでいます（許容は"
                        + " \(percent(spec.maxHighlightsClipped)) % まで）。"
                        + "光を弱めるか、フラッシュを使わずに撮り直してください。"
                    : "顔が明るすぎます（明るさ \(Int(value.rounded())) / 255、上限"
                        + " \(Int(spec.faceBrightness.upperBound))）。"
                        + "光を弱めるか、フラッシュを使わずに撮り直してください。",
                en: clipped
                    ? "\(percent(value)) % of your face is washed out to white (at most "
                        + "\(percent(spec.maxHighlightsClipped)) % is allowed). Take the photo again with softer light "
                        + "or without flash."
                    : "Your face is too bright (brightness \(Int(value.rounded())) of 255; at most "
                        + "\(Int(spec.faceBrightness.upperBound))). Take the photo again with softer light or without flash."
            )
        case .photoEdited:
            severity = .warning
            message = LocalizedMessage(
                ja: "顔写真が加工アプリ（\(check.text ?? "")）で保存されています。入管は加"
                    + "工した写真を認めていません。"
                    + "肌や輪郭を補正していない、撮影したままの写真を送ってください。",
                en: "The face photo was last saved by a retouching app (\(check.text ?? "")). The agency does not "
                    + "accept edited photos: send the photo as taken, without skin or face-shape corrections.")
        default:
            message = LocalizedMessage(
                ja: "顔写真が規定を満たしていません（\(check.code)）。",
                en: "The face photo does not meet the rules (\(check.code)).")
        }
        var detail: [String: DetailValue] = ["measure": .string(check.measure)]
        if let value = check.value { detail["value"] = .double(rounded(value)) }
        if let text = check.text { detail[check.value == nil ? "value" : "size"] = .string(text) }
        if let minimum = check.minimum { detail["minimum"] = .double(minimum) }
        if let maximum = check.maximum { detail["maximum"] = .double(maximum) }
        if let bound = check.bound {
            detail[check.code == .photoTooOld ? "oldest_accepted" : "matched"] = .string(bound)
        }
        return Finding(code: check.code, severity: severity, message: message, detail: detail)
    }

    private static func percent(_ fraction: Double) -> String { fixed(fraction * 100, 0) }
    /// The length on the ISA's 40 mm high print.
    private static func millimetres(_ fraction: Double) -> String { fixed(fraction * 40, 0) }
    /// Ten-thousands of pixels (万画素), the unit Japanese cameras are sold in.
    private static func megapixels(_ pixels: Double) -> Int { Int((pixels / 10_000).rounded()) }
    private static func rounded(_ value: Double) -> Double { (value * 10_000).rounded() / 10_000 }

    static func fixed(_ value: Double, _ digits: Int) -> String {
        var scale = 1.0
        for _ in 0..<digits { scale *= 10 }
        let scaled = Int64((value * scale).rounded())
        guard digits > 0 else { return "\(scaled)" }
        let sign = scaled < 0 ? "-" : ""
        let magnitude = abs(scaled)
        var fraction = "\(magnitude % Int64(scale))"
        while fraction.count < digits { fraction = "0" + fraction }
        return "\(sign)\(magnitude / Int64(scale)).\(fraction)"
    }
}
