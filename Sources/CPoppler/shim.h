// poppler-glib's umbrella header: GObject-based, so documents import as OpaquePointer and are released with
// g_object_unref. Nothing here needs a shim beyond the include.
#include <poppler.h>
