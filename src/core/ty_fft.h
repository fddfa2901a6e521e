/* ty_fft.h: placeholder (being written). */
#ifndef TY_FFT_H
#define TY_FFT_H
#endif
