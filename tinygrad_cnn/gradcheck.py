"""``tc.gradcheck`` and ``tc.gradgradcheck`` live in ``tinygrad_cnn.checks``; this module path stays for imports."""

from .checks.check import GradcheckError, gradcheck, gradgradcheck
from .checks.jacobians import analytical_jacobian, finite_differences, numerical_jacobian, second_order_problem

__all__ = [
    "gradcheck",
    "gradgradcheck",
    "GradcheckError",
    "numerical_jacobian",
    "analytical_jacobian",
    "finite_differences",
    "second_order_problem",
]
