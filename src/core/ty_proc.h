/* ty_proc.h: placeholder (being written). */
#ifndef TY_PROC_H
#define TY_PROC_H
#endif
