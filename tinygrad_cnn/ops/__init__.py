"""The built-in differentiable ops, one module per family (each op a ``Function``)."""
