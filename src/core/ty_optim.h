/* ty_optim.h: placeholder (being written). */
#ifndef TY_OPTIM_H
#define TY_OPTIM_H
#endif
