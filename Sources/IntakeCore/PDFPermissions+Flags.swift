extension PDFPermissions {
    /// Decodes the Standard security handler's `/P` value (ISO 32000-1, table 22).
    ///
    /// Revision 2 has no separate bits for form filling, accessibility extraction, assembly or high-resolution
    /// printing: readers derive them from annotate, copy, modify and print, and so does this.
    public init(standardSecurityFlags p: Int64, revision: Int) {
        func bit(_ position: Int) -> Bool { p & (Int64(1) << (position - 1)) != 0 }
        let print = bit(3)
        let modify = bit(4)
        let copy = bit(5)
        let annotate = bit(6)
        if revision >= 3 {
            self.init(
                print: print, printHighRes: print && bit(12), copy: copy, modify: modify, annotate: annotate,
                fillForms: bit(9) || annotate, extractAccessibility: bit(10), assemble: bit(11) || modify)
        } else {
            self.init(
                print: print, printHighRes: print, copy: copy, modify: modify, annotate: annotate,
                fillForms: annotate, extractAccessibility: copy, assemble: modify)
        }
    }
}
