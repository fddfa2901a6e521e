/* ty_cbo.h: placeholder (being written). */
#ifndef TY_CBO_H
#define TY_CBO_H
#endif
