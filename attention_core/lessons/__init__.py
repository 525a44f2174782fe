"""Lessons as data: steps that ask a student to predict a model's attention before it is shown.

A lesson file (YAML or JSON) names, per step, an input, the models and a question kind; the question's
answer is read off the models' own maps (:func:`ask`), so a teacher's own sentence makes new questions.
"""
from .questions import QUESTION_KINDS, Asked, Question, QuestionKind, ask, check_step, choice_labels, question_key
from .spec import (MAX_LESSON_BYTES, Lesson, LessonError, Step, load_lesson, parse_lesson, read_lesson,
                   shipped_lessons)

__all__ = ["MAX_LESSON_BYTES", "QUESTION_KINDS", "Asked", "Lesson", "LessonError", "Question", "QuestionKind", "Step",
           "ask", "check_step", "choice_labels", "load_lesson", "parse_lesson", "question_key", "read_lesson",
           "shipped_lessons"]
