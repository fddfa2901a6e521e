/* ty_cbo.c: placeholder (being written). */
#include "ty_cbo.h"
typedef int ty_cbo_placeholder;
