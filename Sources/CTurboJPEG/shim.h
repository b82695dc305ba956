// libjpeg-turbo's TurboJPEG API: JPEG header reading and decoding of face photos.
#include <turbojpeg.h>
