/*
** ty_interrupt.c: the one interrupt flag (see ty_interrupt.h).
*/
#include "ty_interrupt.h"

volatile sig_atomic_t ty_interrupt_flag = 0;
