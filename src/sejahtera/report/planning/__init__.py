"""The office's planning documents: the poverty-profile chapter of the RPKD and the TKPK's yearly
report (LP2KD), each as an editable DOCX and an XLSX of its tables (issue 14)."""
