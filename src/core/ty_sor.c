/* ty_sor.c: placeholder (being written). */
#include "ty_sor.h"
typedef int ty_sor_placeholder;
