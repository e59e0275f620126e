-- Citizens' personal data in free text, masked before anything is shown or
-- exported: mobile numbers keep their first 3 and last 4 digits, ID numbers
-- their first 6 and last 4, landlines their last 4; a name after 姓名/联系人
-- keeps its first character.
create or replace temp macro mask_personal(text) as
    regexp_replace(
        regexp_replace(
            regexp_replace(
                regexp_replace(text, '(\d{6})\d{8}(\d{3}[\dXx])', '\1********\2', 'g'),
                '(1[3-9]\d)\d{4}(\d{4})', '\1****\2', 'g'),
            '(0\d{2,3}-?)\d{3,4}(\d{4})', '\1****\2', 'g'),
        '((?:姓名|联系人|来电人)[:：]?\s*[\p{Han}])[\p{Han}]{1,3}', '\1**', 'g');
