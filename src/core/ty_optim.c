/* ty_optim.c: placeholder (being written). */
#include "ty_optim.h"
typedef int ty_optim_placeholder;
