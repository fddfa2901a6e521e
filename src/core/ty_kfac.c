/* ty_kfac.c: placeholder (being written). */
#include "ty_kfac.h"
typedef int ty_kfac_placeholder;
