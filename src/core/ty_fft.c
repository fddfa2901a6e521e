/* ty_fft.c: placeholder (being written). */
#include "ty_fft.h"
typedef int ty_fft_placeholder;
