/* ty_rand.h: placeholder (being written). */
#ifndef TY_RAND_H
#define TY_RAND_H
#endif
