"""The NumPy/SciPy kernels behind the ops: pure array functions, nothing of Tensor or autograd.

* ``geometry``: pairs, output sizes, padding and cropping, for convolution and pooling alike;
* ``im2col``: sliding windows as column matrices, and their adjoint col2im;
* ``conv``: the convolution forward, kernel gradient and transposed convolution (input gradient);
* ``pool``: max and average pooling and their gradients;
* ``execution``: the one place that decides how they run (layouts, blocks of samples, threads).

``docs/architecture.md`` shows how the layers fit together.
"""
