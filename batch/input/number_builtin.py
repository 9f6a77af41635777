"""The number formats a workbook names by id alone (ECMA-376 §18.8.30; BIFF's are the
same), as an Italian Excel or LibreOffice shows them."""

from __future__ import annotations

#: Built-in format ids (ECMA-376 §18.8.30), as an Italian Excel or LibreOffice shows
#: them: the short date (14) and date-time (22) follow the locale, DD/MM/YYYY in Italy;
#: 5-8 and 41-44 are the locale's currency and accounting formats (euro in Italy).
BUILTIN = {
    0: "General",
    1: "0",
    2: "0.00",
    3: "#,##0",
    4: "#,##0.00",
    5: '#,##0 "€";-#,##0 "€"',
    6: '#,##0 "€";[Red]-#,##0 "€"',
    7: '#,##0.00 "€";-#,##0.00 "€"',
    8: '#,##0.00 "€";[Red]-#,##0.00 "€"',
    9: "0%",
    10: "0.00%",
    11: "0.00E+00",
    12: "# ?/?",
    13: "# ??/??",
    14: "DD/MM/YYYY",
    15: "D-MMM-YY",
    16: "D-MMM",
    17: "MMM-YY",
    18: "h:mm AM/PM",
    19: "h:mm:ss AM/PM",
    20: "hh:mm",
    21: "hh:mm:ss",
    22: "DD/MM/YYYY hh:mm",
    37: "#,##0 ;(#,##0)",
    38: "#,##0 ;[Red](#,##0)",
    39: "#,##0.00;(#,##0.00)",
    40: "#,##0.00;[Red](#,##0.00)",
    41: '_-* #,##0 "€"_-;-* #,##0 "€"_-;_-* "-" "€"_-;_-@_-',
    42: '_-* #,##0_-;-* #,##0_-;_-* "-"_-;_-@_-',
    43: '_-* #,##0.00 "€"_-;-* #,##0.00 "€"_-;_-* "-"?? "€"_-;_-@_-',
    44: '_-* #,##0.00_-;-* #,##0.00_-;_-* "-"??_-;_-@_-',
    45: "mm:ss",
    46: "[h]:mm:ss",
    47: "mm:ss.0",
    48: "##0.0E+0",
    49: "@",
}
