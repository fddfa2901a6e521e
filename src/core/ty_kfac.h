/* ty_kfac.h: placeholder (being written). */
#ifndef TY_KFAC_H
#define TY_KFAC_H
#endif
