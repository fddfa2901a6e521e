/* ty_nn.h: placeholder (being written). */
#ifndef TY_NN_H
#define TY_NN_H
#endif
