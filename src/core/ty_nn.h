/*
** ty_nn.h: small feed-forward networks with hand-written gradients (no Lua
** here).
**
** A network is a sequence of layers.  Data flows through it a batch at a
** time, one sample per row: every batch buffer is a B x features matrix
** stored column-major, the layout of a tycho mat, so an input mat is used
** as it is and every feature column is contiguous.
**
** Layers
** ------
** A layer has a kind and an activation applied to its output.  The only
** kind today is TY_NN_DENSE (y = act(x W^T + b), W out x in, b out); the
** kind field, the per-layer `in`/`out` feature counts and the switches in
** ty_nn.c are where convolution and pooling layers go (their `in`/`out`
** are then channels times grid points, and they add their own shape
** fields).  Parameters and their gradients live in memory the caller
** provides (Lua matrices in tycho), so an optimizer updating them updates
** the network.
**
** For each layer the network keeps, after a forward pass, its outputs a
** (and its pre-activations z when the activation's derivative needs them),
** and after a backward pass gz = d loss / d z.  These are exactly the
** statistics K-FAC and MKOR need (the input of layer l is a of layer l-1,
** or the network input x for the first layer).
**
** Memory for the batch buffers comes from the caller as well:
** ty_nn_bufsize says how many doubles a batch of B rows needs and
** ty_nn_bind lays them out.
*/
#ifndef TY_NN_H
#define TY_NN_H

#include <stddef.h>

#include "ty_rand.h"

/* layer kinds */
enum { TY_NN_DENSE };

/* activations */
enum { TY_NN_IDENTITY, TY_NN_TANH, TY_NN_RELU, TY_NN_GELU, TY_NN_SIGMOID,
       TY_NN_NACT };

/* the activations' names, indexed by the enum above, NULL-terminated:
** "identity", "tanh", "relu", "gelu", "sigmoid" */
extern const char *const ty_nn_actnames[];

/* most layers a network (or a saved file) may have */
#define TY_NN_MAXLAYERS 256

/* return codes */
#define TY_NN_OK       0
#define TY_NN_EFORMAT  1       /* ty_nn_parse: not a network file */

typedef struct ty_nn_layer {
  int kind, act;
  size_t in, out;            /* features per sample */
  /* parameters and gradients (dense: W out x in column-major, b out) */
  double *W, *b, *gW, *gb;
  /* batch buffers, B x out column-major (set by ty_nn_bind) */
  double *z;                 /* pre-activations; NULL unless act is gelu */
  double *a;                 /* outputs */
  double *gz;                /* d loss / d z after a backward pass */
} ty_nn_layer;

typedef struct ty_nn {
  int nlayers;
  ty_nn_layer *layer;        /* nlayers of them */
  size_t in;                 /* input features */
  size_t batch;              /* rows of the last forward pass */
  double *x;                 /* B x in: copy of the last input */
  /* serial numbers: forward passes, backward passes, and the forward pass
  ** the last backward pass went through (0: none yet) */
  unsigned long nforward, nbackward, backward_of;
  int ready;                 /* 1 when the last forward pass completed */
} ty_nn;

/* A network's architecture, as nn.mlp builds it and a file states it. */
typedef struct ty_nn_arch {
  int nlayers;
  size_t in;
  int kind[TY_NN_MAXLAYERS], act[TY_NN_MAXLAYERS];
  size_t out[TY_NN_MAXLAYERS];
} ty_nn_arch;

/* ---- structure ---------------------------------------------------------- */

/* Set up net with arch's layers in `layers` (arch->nlayers of them); every
** pointer is NULL until the caller sets W, b, gW, gb (sizes from
** ty_nn_paramsize) and binds batch buffers. */
void ty_nn_setup (ty_nn *net, ty_nn_layer *layers, const ty_nn_arch *arch);

/* number of elements of W (which = 0) and b (which = 1) of a layer */
size_t ty_nn_paramsize (const ty_nn_layer *l, int which);

/* total number of parameters */
size_t ty_nn_nparams (const ty_nn *net);

/* doubles of batch buffer needed for B rows, or 0 on overflow (B > 0) */
size_t ty_nn_bufsize (const ty_nn *net, size_t B);

/* lay out batch buffers for B rows in buf (ty_nn_bufsize(net, B) doubles) */
void ty_nn_bind (ty_nn *net, double *buf, size_t B);

/* Initialize the parameters: biases 0, each W uniform on [-r, r] with
** r = sqrt(6 / (in + out)) (Glorot) when the layer's activation is
** identity, tanh or sigmoid, r = sqrt(6 / in) (He) for relu and gelu;
** drawn from r layer by layer, W in column-major order. */
void ty_nn_init (ty_nn *net, ty_rng *r);

/* ---- passes ------------------------------------------------------------- */

/* Forward pass of a B x in batch X (column-major); buffers bound for B
** rows.  The output is the last layer's a.  B may be 0.  Returns 0, or
** TY_EINTR when Ctrl-C stopped it between layers (net->ready is then 0). */
int ty_nn_forward (ty_nn *net, const double *X, size_t B);

/* Backward pass from dY = d loss / d output (B x out of the last forward,
** column-major; may be the last layer's gz): fills every gz and overwrites every gW and gb with the
** gradient of the loss.  Needs a completed forward pass (net->ready).
** Returns 0, or TY_EINTR (the gradients are then partly written and the
** statistics not usable). */
int ty_nn_backward (ty_nn *net, const double *dY);

/* input of layer l (B x l->in): x for the first, else a of layer l-1 */
const double *ty_nn_input (const ty_nn *net, int l);

/* 1 when the buffers hold the statistics of one batch: a backward pass
** followed the last forward pass */
int ty_nn_stats_ok (const ty_nn *net);

/* ---- losses ------------------------------------------------------------- */

/* Mean squared error over the batch, L = sum ||y_i - t_i||^2 / (2B), and
** dY = (Y - T) / B.  Y, T, dY are B x d (dY may alias neither).
** L = 0 and nothing written when B == 0. */
double ty_nn_mse (const double *Y, const double *T, size_t B, size_t d,
                  double *dY);

/* Softmax cross-entropy with integer labels (0-based, < C), mean over the
** batch: L = mean_i (logsumexp(z_i) - z_i[label_i]), and
** dZ = (softmax(Z) - onehot) / B.  Z, dZ are B x C; work holds B doubles. */
double ty_nn_cross_entropy (const double *Z, const size_t *label, size_t B,
                            size_t C, double *dZ, double *work);

/* ---- files -------------------------------------------------------------- */

/* The text form of a network (see docs/nn.md):
**     tycho-nn 1
**     input <in>
**     dense <out> <activation>        one line per layer
**     end
** then for each dense layer, W row by row (out lines of in numbers) and b
** (one line of out numbers), every number printed with %.17g. */

/* an upper bound on the bytes of the text form (0 on overflow) */
size_t ty_nn_textsize (const ty_nn *net);

/* write the text form into buf (ty_nn_textsize bytes); returns its length */
size_t ty_nn_format (const ty_nn *net, char *buf);

/* Read the header of the text s[0..len-1] into arch; *pos gets the offset
** of the parameters.  Returns TY_NN_OK or TY_NN_EFORMAT with a message in
** err (errlen bytes). */
int ty_nn_parse_arch (const char *s, size_t len, ty_nn_arch *arch,
                      size_t *pos, char *err, size_t errlen);

/* Read the parameters from s + pos into a network set up from that arch;
** every number must be finite and nothing but white space may follow.
** Returns TY_NN_OK, TY_NN_EFORMAT (message in err) or TY_EINTR. */
int ty_nn_parse_params (ty_nn *net, const char *s, size_t len, size_t pos,
                        char *err, size_t errlen);

#endif
