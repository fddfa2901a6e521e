/* ty_bandit.c: placeholder (being written). */
#include "ty_bandit.h"
typedef int ty_bandit_placeholder;
