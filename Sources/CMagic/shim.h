// libmagic: the file's type from its content, never from its name.
#include <magic.h>
