/* ty_sor.h: placeholder (being written). */
#ifndef TY_SOR_H
#define TY_SOR_H
#endif
