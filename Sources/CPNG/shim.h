// libpng's simplified API: PNG decoding of face photos (its errors come back as values, never as longjmp).
#include <png.h>
