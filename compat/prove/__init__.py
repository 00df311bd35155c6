"""Sound reasoning about what schemas accept: the proofs behind every `compatible` verdict.

`Prover` proves containment (every value one schema accepts, another accepts), disjointness
and equivalence on the normalised model; `Evaluator` decides (or declines to decide) whether a
schema accepts one value. Both answer "not proven" rather than guess.
"""

from compat.prove.contain import Failure, Prover
from compat.prove.evaluate import Evaluator

__all__ = ["Evaluator", "Failure", "Prover"]
