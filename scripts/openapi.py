#!/usr/bin/env python3
# Writes Sources/IntakeHTTP/OpenAPIDocument.swift: the OpenAPI 3.1 document of the HTTP API, served at /openapi.json.
# Run it after changing the API; the tests check the router against what it writes.
import json
problem = {"$ref": "#/components/responses/Problem"}
def op(summary, responses, params=None, body=None, scope="upload", tag=None):
    o = {"summary": summary, "responses": responses}
    if params: o["parameters"] = params
    if body: o["requestBody"] = body
    o["security"] = [{"bearer": [scope]}] if scope else []
    return o
def path_param(name, desc):
    return {"name": name, "in": "path", "required": True, "schema": {"type": "string", "minLength": 1, "maxLength": 128}, "description": desc}
def json_body(ref, required=True):
    return {"required": required, "content": {"application/json": {"schema": {"$ref": ref}}}}
def ok(ref, desc="OK", extra=None):
    r = {"description": desc, "content": {"application/json": {"schema": {"$ref": ref}}}}
    if extra: r.update(extra)
    return r
errors = lambda *codes: {str(c): problem for c in codes}
file_body = {"required": True, "description": "The file itself, one per request (no multipart).",
    "content": {t: {"schema": {"type": "string", "format": "binary"}} for t in ["application/pdf", "image/jpeg", "image/png", "application/octet-stream"]}}
upload_headers = [
    {"name": "Content-Disposition", "in": "header", "schema": {"type": "string"}, "description": "attachment; filename*=UTF-8''… (metadata only)"},
    {"name": "Idempotency-Key", "in": "header", "schema": {"type": "string", "minLength": 1, "maxLength": 255}},
    {"name": "Repr-Digest", "in": "header", "schema": {"type": "string", "pattern": "^sha-256=:[A-Za-z0-9+/]{43}=:$"}, "description": "sha-256=:BASE64:"},
]
html_page = {"description": "The page", "content": {"text/html": {"schema": {"type": "string"}}},
    "headers": {h: {"schema": {"type": "string"}} for h in ["Content-Security-Policy", "X-Frame-Options", "Referrer-Policy"]}}
lang_param = {"name": "lang", "in": "query", "schema": {"enum": ["ja", "en"]}, "description": "The page's language (Japanese by default)"}
doc = {
 "openapi": "3.1.0",
 "info": {"title": "Intake", "version": "1", "description": "Intake's HTTP API (SPEC §7): problem+json errors with stable codes, Request-Id on every response."},
 "components": {
  "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer", "description": "A token from `intake token create`; scopes upload ⊂ review ⊂ admin."}},
  "responses": {"Problem": {"description": "RFC 9457 problem", "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}}},
  "schemas": {
   "Problem": {"type": "object", "required": ["type", "title", "status", "detail", "code", "message", "request_id"],
     "properties": {"type": {"type": "string"}, "title": {"type": "string"}, "status": {"type": "integer"}, "detail": {"type": "string"},
       "code": {"type": "string"}, "request_id": {"type": "string"},
       "message": {"type": "object", "required": ["ja", "en"], "properties": {"ja": {"type": "string"}, "en": {"type": "string"}}},
       "limit_bytes": {"type": "integer"}, "declared_bytes": {"type": "integer"}, "remaining_bytes": {"type": "integer"}, "upload": {"type": "string"}}},
   "Webhook": {"type": "object", "required": ["id", "url", "events", "created_at"], "properties": {
       "id": {"type": "string"}, "url": {"type": "string"}, "created_at": {"type": "string"},
       "events": {"type": "array", "items": {"enum": ["upload.received", "upload.accepted", "upload.rejected", "upload.failed", "case.state_changed"]}}}},
   "IssuedWebhook": {"allOf": [{"$ref": "#/components/schemas/Webhook"}, {"type": "object", "required": ["secret"],
       "properties": {"secret": {"type": "string", "pattern": "^whsec_", "description": "Standard Webhooks signing secret, shown only here"}}}]},
   "Webhooks": {"type": "object", "required": ["webhooks"], "properties": {"webhooks": {"type": "array", "items": {"$ref": "#/components/schemas/Webhook"}}}},
   "WebhookRequest": {"type": "object", "required": ["url"], "properties": {"url": {"type": "string", "maxLength": 2048},
       "events": {"type": "array", "minItems": 1, "items": {"enum": ["upload.received", "upload.accepted", "upload.rejected", "upload.failed", "case.state_changed"]},
         "description": "Every event when left out"}}},
   "ArchiveReport": {"type": "object", "required": ["archive", "bytes", "findings", "rows", "unlisted", "ignored"], "properties": {
       "archive": {"type": "string", "description": "SHA-256 of the archive"}, "bytes": {"type": "integer"},
       "findings": {"type": "array", "items": {"$ref": "#/components/schemas/Finding"}},
       "unlisted": {"type": "array", "items": {"type": "string"}}, "ignored": {"type": "array", "items": {"type": "string"}},
       "rows": {"type": "array", "items": {"type": "object", "required": ["row", "duplicate", "findings"], "properties": {
           "row": {"type": "integer"}, "application": {"type": ["string", "null"]}, "slot": {"type": ["string", "null"]},
           "file": {"type": ["string", "null"]}, "title": {"type": ["string", "null"]}, "upload": {"type": ["string", "null"]},
           "job": {"type": ["string", "null"]}, "receipt": {"type": ["string", "null"]}, "duplicate": {"type": "boolean"},
           "findings": {"type": "array", "items": {"$ref": "#/components/schemas/Finding"}}}}}}},
   "Finding": {"type": "object", "required": ["code", "severity", "message"], "properties": {
       "code": {"type": "string"}, "severity": {"enum": ["error", "warning"]},
       "message": {"type": "object", "required": ["ja", "en"], "properties": {"ja": {"type": "string"}, "en": {"type": "string"}}},
       "detail": {"type": "object"}}},
   "Job": {"type": "object", "required": ["id", "state", "attempts"], "properties": {
       "id": {"type": "string"}, "state": {"enum": ["queued", "running", "succeeded", "retrying", "dead"]},
       "attempts": {"type": "integer"}, "max_attempts": {"type": "integer"}, "last_error": {"type": ["string", "null"]}}},
   "Item": {"type": "object", "required": ["id", "title", "sha256", "bytes", "verdict", "findings", "history"], "properties": {
       "id": {"type": "string"}, "title": {"type": "string"}, "type": {"type": ["string", "null"]},
       "pages": {"type": ["array", "null"], "items": {"type": "integer"}}, "sha256": {"type": "string"}, "bytes": {"type": "integer"},
       "verdict": {"enum": ["accepted", "rejected", None]}, "policy": {"type": ["string", "null"]},
       "findings": {"type": "array", "items": {"$ref": "#/components/schemas/Finding"}}, "history": {"type": "integer"}}},
   "Upload": {"type": "object", "required": ["id", "slot", "file", "sha256", "bytes", "items"], "properties": {
       "id": {"type": "string"}, "slot": {"enum": ["photo", "attachment", "additional"]}, "file": {"type": "string"},
       "uploader": {"type": "string"}, "uploaded_at": {"type": "string"}, "round": {"type": "integer"},
       "sha256": {"type": "string"}, "bytes": {"type": "integer"}, "bundle": {"const": True, "description": "Present for a bundle, split into items"}, "job": {"$ref": "#/components/schemas/Job"},
       "items": {"type": "array", "items": {"$ref": "#/components/schemas/Item"}},
       "state": {"enum": ["queued", "processing", "accepted", "rejected", "failed"]}}},
   "UploadAcknowledgement": {"type": "object", "required": ["upload", "job", "application", "receipt", "slot", "file", "sha256", "bytes", "state"],
     "properties": {"upload": {"type": "string"}, "job": {"type": "string"}, "application": {"type": "string"}, "receipt": {"type": "string"},
       "slot": {"type": "string"}, "file": {"type": "string"}, "sha256": {"type": "string"}, "bytes": {"type": "integer"},
       "state": {"const": "queued"}, "duplicate_of": {"type": "string"}}},
   "AddedDocument": {"type": "object", "required": ["file", "upload", "outcome", "findings"], "properties": {
       "file": {"type": "string"}, "upload": {"type": "string"}, "job": {"type": "string"},
       "outcome": {"enum": ["linked", "already_linked", "refused"]}, "findings": {"type": "array", "items": {"$ref": "#/components/schemas/Finding"}}}},
   "Application": {"type": "object", "required": ["application", "receipt", "status", "uploads", "totals"], "properties": {
       "application": {"type": "string"}, "receipt": {"type": "string"}, "status": {"enum": ["under_review", "awaiting_additional", "closed"]},
       "owner": {"type": "string"}, "uploads": {"type": "array", "items": {"$ref": "#/components/schemas/Upload"}},
       "additional": {"type": "array", "items": {"$ref": "#/components/schemas/Upload"}},
       "totals": {"type": "object", "required": ["accepted_bytes", "total_limit_bytes"], "properties": {
           "accepted_bytes": {"type": "integer"}, "total_limit_bytes": {"type": "integer"}, "additional_round": {"type": "integer"},
           "additional_accepted_bytes": {"type": "integer"}, "additional_limit_bytes": {"type": "integer"}}}}},
   "Case": {"type": "object", "required": ["application", "grants", "events"], "properties": {
       "application": {"$ref": "#/components/schemas/Application"},
       "grants": {"type": "array", "items": {"type": "object", "required": ["uploader"], "properties": {"uploader": {"type": "string"}, "granted_by": {"type": "string"}, "granted_at": {"type": "string"}}}},
       "events": {"type": "array", "items": {"type": "object"}}}},
   "Policy": {"type": "object", "required": ["version", "file_limit_bytes", "application_total_limit_bytes"], "properties": {
       "version": {"type": "string"}, "file_limit_bytes": {"type": "integer"}, "application_total_limit_bytes": {"type": "integer"},
       "additional_total_limit_bytes": {"type": "integer"}, "page_limit": {"type": "integer"}, "attachment_types": {"type": "array", "items": {"type": "string"}},
       "photo": {"type": "object"}}},
   "Grant": {"type": "object", "required": ["uploader"], "properties": {"uploader": {"type": "string", "minLength": 1}}},
   "StateChange": {"type": "object", "required": ["state"], "properties": {"state": {"enum": ["under_review", "awaiting_additional", "closed"]}}},
   "Reprocess": {"description": "Exactly one of application, code, since, all.", "oneOf": [
       {"type": "object", "required": ["application"], "properties": {"application": {"type": "string", "minLength": 1}, "dry_run": {"type": "boolean"}}, "additionalProperties": False},
       {"type": "object", "required": ["code"], "properties": {"code": {"type": "string", "minLength": 1}, "dry_run": {"type": "boolean"}}, "additionalProperties": False},
       {"type": "object", "required": ["since"], "properties": {"since": {"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"}, "dry_run": {"type": "boolean"}}, "additionalProperties": False},
       {"type": "object", "required": ["all"], "properties": {"all": {"const": True}, "dry_run": {"type": "boolean"}}, "additionalProperties": False}]},
   "ReprocessDryRun": {"type": "object", "required": ["examined", "changes"], "properties": {"examined": {"type": "integer"}, "policy": {"type": "string"},
       "changes": {"type": "array", "items": {"type": "object", "required": ["application", "upload", "item", "from", "to", "codes"]}}}},
   "ReprocessRun": {"type": "object", "required": ["run", "selected", "queued", "resumed", "up_to_date"], "properties": {
       "run": {"type": "string"}, "selected": {"type": "integer"}, "queued": {"type": "integer"}, "resumed": {"type": "integer"}, "up_to_date": {"type": "integer"}}},
   "ReprocessProgress": {"type": "object", "required": ["run", "policy", "left", "done"], "properties": {
       "run": {"type": "string"}, "policy": {"type": "string"}, "left": {"type": "integer"}, "done": {"type": "boolean"}}},
   "Size": {"type": "string", "pattern": "^[1-9][0-9]{0,5}(B|kB|KB|MB|GB|KiB|MiB|GiB)$", "description": "e.g. 25MB"},
   "TrialRequest": {"type": "object", "required": ["total_limits"], "properties": {
       "total_limits": {"type": "array", "items": {"$ref": "#/components/schemas/Size"}, "minItems": 1, "maxItems": 20},
       "file_limits": {"type": "array", "items": {"$ref": "#/components/schemas/Size"}, "maxItems": 1}}},
   "Trial": {"type": "object", "required": ["source", "applications", "files", "candidates", "percentiles_application_bytes"], "properties": {
       "source": {"type": "string"}, "applications": {"type": "integer"}, "files": {"type": "integer"},
       "candidates": {"type": "array", "items": {"type": "object", "required": ["total_limit_bytes", "file_limit_bytes", "applications_within", "applications_over", "share_within"]}},
       "percentiles_application_bytes": {"type": "object"}}},
   "Jobs": {"type": "object", "required": ["jobs", "depth"], "properties": {"jobs": {"type": "array", "items": {"$ref": "#/components/schemas/Job"}}, "depth": {"type": "object"}}},
   "PhotoFigure": {"type": "object", "required": ["upload", "width", "height", "verdict", "policy", "face", "faces", "bands"],
     "description": "A judged photo's measured face and the bands the photo rules in force allow, in image pixels (origin top left)",
     "properties": {"upload": {"type": "string"}, "width": {"type": "integer"}, "height": {"type": "integer"},
       "verdict": {"enum": ["accepted", "rejected", None]}, "policy": {"type": "string"},
       "face": {"oneOf": [{"type": "null"}, {"type": "object", "required": ["crown_y", "chin_y", "eye_y", "center_x", "left_eye", "right_eye"], "properties": {
           "crown_y": {"type": "number"}, "chin_y": {"type": "number"}, "eye_y": {"type": "number"}, "center_x": {"type": "number"},
           "left_eye": {"$ref": "#/components/schemas/Point"}, "right_eye": {"$ref": "#/components/schemas/Point"}}}]},
       "faces": {"type": "array", "items": {"type": "object", "required": ["left", "top", "width", "height"]}},
       "bands": {"type": "object", "required": ["chin", "crown", "center", "eye_line"], "properties": {
           "chin": {"oneOf": [{"type": "null"}, {"$ref": "#/components/schemas/Band"}], "description": "Where the chin may be for the measured crown"},
           "crown": {"$ref": "#/components/schemas/Band"}, "center": {"$ref": "#/components/schemas/Band"}, "eye_line": {"$ref": "#/components/schemas/Band"}}}}},
   "Point": {"type": "object", "required": ["x", "y"], "properties": {"x": {"type": "number"}, "y": {"type": "number"}}},
   "Band": {"type": "object", "required": ["from", "to"], "properties": {"from": {"type": "number"}, "to": {"type": "number"}}},
   "RecentFindings": {"type": "object", "required": ["days", "since", "codes"], "properties": {"days": {"type": "integer"}, "since": {"type": "string"},
       "codes": {"type": "array", "items": {"type": "object", "required": ["code", "items"], "properties": {"code": {"type": "string"}, "items": {"type": "integer"}}}}}},
   "Health": {"type": "object", "required": ["status"], "properties": {"status": {"type": "string"}, "reasons": {"type": "string"}}},
  }},
 "paths": {
  "/": {"get": op("The applicant's page (HTML; token and application from the URL fragment)", {"200": html_page}, params=[lang_param], scope=None)},
  "/admin": {"get": op("The admin console (HTML; an admin token from the URL fragment)", {"200": html_page}, params=[lang_param], scope=None)},
  **{f"/pages/{name}": {"get": op(f"The pages' {name}", {"200": {"description": name, "content": {kind: {"schema": {"type": "string"}}}}}, scope=None)}
     for name, kind in [("intake.css", "text/css"), ("common.js", "text/javascript"), ("applicant.js", "text/javascript"), ("admin.js", "text/javascript")]},
  "/healthz": {"get": op("Liveness", {"200": ok("#/components/schemas/Health")}, scope=None)},
  "/readyz": {"get": op("Readiness: 503 while draining, when the store cannot be read, or when free disk is low",
      {"200": ok("#/components/schemas/Health"), "503": ok("#/components/schemas/Health", "Not ready")}, scope=None)},
  "/openapi.json": {"get": op("This document", {"200": {"description": "OpenAPI 3.1", "content": {"application/json": {"schema": {"type": "object"}}}}}, scope=None)},
  "/v1/policy": {"get": op("The limits, types and photo rules in force; ETag is the policy version", {"200": ok("#/components/schemas/Policy"), **errors(401)})},
  "/v1/applications/{application}/uploads": {"post": op("Upload one file for an application",
      {"202": ok("#/components/schemas/UploadAcknowledgement", "Durable and queued"), "200": ok("#/components/schemas/UploadAcknowledgement", "The same file again, or a replayed Idempotency-Key"),
       **errors(400, 401, 403, 409, 411, 413, 415, 422, 503, 507)},
      params=[path_param("application", "The application id from the upstream system"),
              {"name": "slot", "in": "query", "schema": {"enum": ["photo", "attachment", "bundle"]}},
              {"name": "receipt", "in": "query", "schema": {"type": "string", "minLength": 1, "maxLength": 128}}, *upload_headers,
              {"name": "Intake-Manifest", "in": "header", "schema": {"type": "string"}, "description": "base64url JSON manifest of a bundle"}],
      body=file_body)},
  "/v1/uploads/{upload}": {"get": op("An upload with its items, verdicts and findings",
      {"200": ok("#/components/schemas/Upload"), **errors(401, 404)},
      params=[path_param("upload", "The upload id"), {"name": "wait", "in": "query", "schema": {"type": "string"}, "description": "e.g. 30s: hold until final"}])},
  "/v1/uploads/{upload}/photo": {"get": op("A judged photo's measured crown, chin and eyes, and the allowed bands (404 for another's upload, a non-photo, or one not judged yet)",
      {"200": ok("#/components/schemas/PhotoFigure"), **errors(401, 404)}, params=[path_param("upload", "The upload id")])},
  "/v1/uploads/{upload}/photo/image": {"get": op("A judged photo's bytes, typed by their content (JPEG or PNG)",
      {"200": {"description": "The photo as uploaded", "content": {t: {"schema": {"type": "string", "format": "binary"}} for t in ["image/jpeg", "image/png"]}}, **errors(401, 404)},
      params=[path_param("upload", "The upload id")])},
  "/v1/applications/{application}": {"get": op("An application (SPEC §3b)", {"200": ok("#/components/schemas/Application"), **errors(401, 404)},
      params=[path_param("application", "The application id")])},
  "/v1/applications/{application}/events": {"get": op("Server-Sent Events of an application",
      {"200": {"description": "text/event-stream", "content": {"text/event-stream": {"schema": {"type": "object",
          "properties": {"id": {"type": "string"}, "event": {"enum": ["upload.received", "upload.accepted", "upload.rejected", "upload.failed", "case.state_changed"]},
                         "data": {"type": "string"}}}}}}, **errors(401, 404)},
      params=[path_param("application", "The application id"), {"name": "Last-Event-ID", "in": "header", "schema": {"type": "string"}}])},
  "/v1/cases/{receipt}/documents": {"post": op("Add a document to a case (追加資料)",
      {"202": ok("#/components/schemas/AddedDocument"), "200": ok("#/components/schemas/AddedDocument", "Already linked"),
       **errors(400, 401, 403, 404, 409, 411, 413, 415, 422, 503, 507)},
      params=[path_param("receipt", "The case's receipt number"), {"name": "bundle", "in": "query", "schema": {"type": "boolean"}}, *upload_headers],
      body=file_body)},
  "/v1/cases/{receipt}": {"get": op("A case", {"200": ok("#/components/schemas/Case"), **errors(401, 404)}, params=[path_param("receipt", "The receipt number")])},
  "/v1/cases/{receipt}/grants": {"post": op("Allow another uploader to add documents (owner or admin)",
      {"201": {"description": "Granted", "content": {"application/json": {"schema": {"type": "object"}}}}, "200": {"description": "Already granted", "content": {"application/json": {"schema": {"type": "object"}}}},
       **errors(400, 401, 403, 404, 413)},
      params=[path_param("receipt", "The receipt number")], body=json_body("#/components/schemas/Grant"))},
  "/v1/cases/{receipt}/state": {"put": op("Move a case (scope review)", {"200": ok("#/components/schemas/Case"), **errors(400, 401, 403, 404, 409, 413)},
      params=[path_param("receipt", "The receipt number")], body=json_body("#/components/schemas/StateChange"), scope="review")},
  "/v1/admin/reprocess": {"post": op("Reprocess: a dry run, or a run", {"200": ok("#/components/schemas/ReprocessDryRun", "Dry run"), "202": ok("#/components/schemas/ReprocessRun", "Run started"),
      **errors(400, 401, 403, 413)}, body=json_body("#/components/schemas/Reprocess"), scope="admin")},
  "/v1/admin/reprocess/{run}": {"get": op("A run's progress", {"200": ok("#/components/schemas/ReprocessProgress"), **errors(401, 403, 404)},
      params=[path_param("run", "The run id")], scope="admin")},
  "/v1/admin/trials": {"post": op("Size-limit trial (JSON, or the HTML report for Accept: text/html)",
      {"200": {"description": "The trial", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Trial"}}, "text/html": {"schema": {"type": "string"}}}},
       **errors(400, 401, 403, 413)}, body=json_body("#/components/schemas/TrialRequest"), scope="admin")},
  "/v1/admin/jobs": {"get": op("Jobs in a state (dead by default), and the queue's depth", {"200": ok("#/components/schemas/Jobs"), **errors(400, 401, 403)},
      params=[{"name": "state", "in": "query", "schema": {"enum": ["queued", "running", "succeeded", "retrying", "dead"]}}], scope="admin")},
  "/v1/admin/jobs/{job}": {"get": op("One job", {"200": ok("#/components/schemas/Job"), **errors(401, 403, 404)},
      params=[path_param("job", "The job id")], scope="admin")},
  "/v1/admin/findings": {"get": op("Finding codes of the last days' uploads (latest verdicts), most frequent first", {"200": ok("#/components/schemas/RecentFindings"), **errors(400, 401, 403)},
      params=[{"name": "days", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 3660}}], scope="admin")},
  "/v1/admin/jobs/{job}/retry": {"post": op("Retry a dead job", {"200": ok("#/components/schemas/Job"), **errors(401, 403, 404)},
      params=[path_param("job", "The job id")], scope="admin")},
  "/v1/archives": {"post": op("A bulk archive (一括申請): applications.csv and the files it names, answered row by row",
      {"200": {"description": "The report", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ArchiveReport"}}, "text/csv": {"schema": {"type": "string"}}}},
       **errors(400, 401, 403, 408, 411, 413, 415, 503, 507)},
      body={"required": True, "description": "The ZIP itself (no multipart).", "content": {t: {"schema": {"type": "string", "format": "binary"}} for t in ["application/zip", "application/octet-stream"]}})},
  "/v1/webhooks": {
      "post": op("Subscribe a URL to events (Standard Webhooks, retried for 24 h)", {"201": ok("#/components/schemas/IssuedWebhook", "Created; the secret is shown once"),
          **errors(400, 401, 403, 413)}, body=json_body("#/components/schemas/WebhookRequest"), scope="admin"),
      "get": op("Every webhook, without secrets", {"200": ok("#/components/schemas/Webhooks"), **errors(401, 403)}, scope="admin")},
  "/v1/webhooks/{webhook}": {"delete": op("Delete a webhook; its queued deliveries are dropped", {"204": {"description": "Deleted"}, **errors(401, 403, 404)},
      params=[path_param("webhook", "The webhook id")], scope="admin")},
 },
}
text = json.dumps(doc, ensure_ascii=False, indent=1, sort_keys=True)
open(__import__("os").path.join(__import__("os").path.dirname(__file__), "..", "Sources/IntakeHTTP/OpenAPIDocument.swift"), "w").write(
    '/// The OpenAPI 3.1 document of the whole API, served at `GET /openapi.json`. The tests check every route of the\n'
    '/// router against it, and schemathesis checks the live server\'s answers against it: it is the source of truth.\n'
    '/// Generated by `scripts/openapi.py`; edit that script, not this file.\n'
    'enum OpenAPIDocument {\n    static let json = #"""\n' + text + '\n"""#\n}\n')
