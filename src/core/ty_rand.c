/* ty_rand.c: placeholder (being written). */
#include "ty_rand.h"
typedef int ty_rand_placeholder;
