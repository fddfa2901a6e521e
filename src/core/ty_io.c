/* ty_io.c: placeholder (being written). */
#include "ty_io.h"
typedef int ty_io_placeholder;
