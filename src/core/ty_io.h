/* ty_io.h: placeholder (being written). */
#ifndef TY_IO_H
#define TY_IO_H
#endif
