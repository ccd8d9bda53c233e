"""The language's own rules that compile time and run time must apply
identically: how a word is folded (spec §1), which act node a list of words
designates, how a choice of levels is read (spec §3.4).

Standard library only. The front end (`garant.dsl`) and the runtime
(`garant.compiler.runtime`) both import it and nothing of each other, so the
checker can never resolve a word or a level differently from the evaluator.
"""
