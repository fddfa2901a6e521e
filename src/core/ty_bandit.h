/* ty_bandit.h: placeholder (being written). */
#ifndef TY_BANDIT_H
#define TY_BANDIT_H
#endif
