/* ty_nn.c: placeholder (being written). */
#include "ty_nn.h"
typedef int ty_nn_placeholder;
