"""The packet lab: trace any packet through any scenario, edit it, solve "make it work" exercises.

The blueprint is `quizapp.lab.routes.bp`; this package imports nothing heavy, so the content compiler can use
`quizapp.lab.grading` without loading Flask.
"""
