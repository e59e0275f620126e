-- Citizens' personal data in free text, masked before anything is shown or
-- exported: ID numbers keep their first 6 and last 4 characters, mobile
-- numbers (with or without +86) their first 3 and last 4 digits, landlines
-- their area code and last 4 digits; a name after 姓名/联系人/来电人 keeps its
-- first character. A number counts only where it starts a run of digits and
-- letters, so ticket numbers such as GD2026112500059492 stay whole (DuckDB's
-- RE2 has no look-behind: the character before is matched and put back).
create or replace temp macro mask_personal(text) as
    regexp_replace(
        regexp_replace(
            regexp_replace(
                regexp_replace(text, '(^|[^0-9A-Za-z])(\d{6})\d{8}(\d{3}[\dXx])', '\1\2********\3', 'g'),
                '(^|[^0-9A-Za-z])((?:\+?86[- ]?)?1[3-9]\d)\d{4}(\d{4})', '\1\2****\3', 'g'),
            '(^|[^0-9A-Za-z])(0\d{2,3}-?)\d{3,4}(\d{4})', '\1\2****\3', 'g'),
        '((?:姓名|联系人|来电人)[:：]?\s*[\p{Han}])[\p{Han}]{1,3}', '\1**', 'g');
