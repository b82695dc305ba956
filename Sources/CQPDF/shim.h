// libqpdf's C API: lossless PDF writing (copying pages into new documents). Nothing needs a shim beyond it.
#include <qpdf/qpdf-c.h>
