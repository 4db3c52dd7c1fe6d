"""Read stage: takes report files (text, PDF, DOCX, web pages), gives their checked text cut into passages."""
