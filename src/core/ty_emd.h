/* ty_emd.h: placeholder (being written). */
#ifndef TY_EMD_H
#define TY_EMD_H
#endif
