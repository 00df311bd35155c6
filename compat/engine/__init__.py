"""The verdict engine: compare two loaded schemas (walk, rules, proof, counterexamples) into a
`Report` that renderers read and never judge."""
