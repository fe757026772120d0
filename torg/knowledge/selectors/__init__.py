"""Reads for questions (``questions``), topics (``topics``) and the expertise finder
(``experts``). Each function answers for one viewer and only with what that viewer may see."""
