// zlib, for inflating PDF object streams during the active-content scan.
#include <zlib.h>
