/* ty_emd.c: placeholder (being written). */
#include "ty_emd.h"
typedef int ty_emd_placeholder;
