/* ty_proc.c: placeholder (being written). */
#include "ty_proc.h"
typedef int ty_proc_placeholder;
