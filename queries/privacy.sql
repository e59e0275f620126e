-- Citizens' personal data in free text, masked before anything is stored, shown or
-- exported. What goes, what stays:
--   ID numbers (18 digits, the last may be X; or the old 15): the birth date,
--     so 110105********1234 and 110105******123; only a number whose birth date
--     could be one (month 01-12, day 01-31, an 18-digit year from 1800 to 2099)
--     counts, so a ticket number of the same length stays whole;
--   mobile numbers (1[3-9] and 8 more digits, grouped 3-4-4 by spaces or dashes,
--     after +86, 0086, 86 or (+86)): the middle four, 138 **** 5678;
--   landlines (an area code 010, 02x or 0[3-9]xx, in brackets or not, or +86 without its 0,
--     then 7 or 8 digits, in one piece or 3/4 + 4): all but the last four,
--     (010) **** 3456, 010-****3456;
--   a name after 姓名/联系人/来电人: all but its first character.
-- Digits may be full width (０-９), separators a space, an ideographic space or a
-- (full-width) dash. A number counts only as a whole: where it starts a run of
-- digits and letters and ends a run of digits, so ticket numbers such as
-- GD2026112500059492, dates, amounts and house numbers stay whole. DuckDB's RE2
-- has neither look-behind nor look-ahead: the characters either side are matched
-- and put back, and each pattern runs twice, because one separator between two
-- numbers ("13812345678、13912345678") is used up by the first. Each kind of
-- number holds four digits in a row: a text without them is passed over at once.

create or replace temp macro mask_twice(text, pattern, replacement) as
    regexp_replace(regexp_replace(text, pattern, replacement, 'g'), pattern, replacement, 'g');

create or replace temp macro mask_numbers(text) as
    case when not regexp_matches(text, '[0-9０-９]{4}') then text else
        mask_twice(mask_twice(mask_twice(mask_twice(text,
            -- 18-digit ID: region (6), birth date yyyymmdd (8), sequence and check (4)
            '(^|[^0-9A-Za-z０-９Ａ-Ｚａ-ｚ])([1-9１-９][0-9０-９]{5}[ 　]?)'
            || '(?:[1１][89８９]|[2２][0０])[0-9０-９]{2}'
            || '(?:[0０][1-9１-９]|[1１][0-2０-２])(?:[0０][1-9１-９]|[12１２][0-9０-９]|[3３][01０１])'
            || '([ 　]?[0-9０-９]{3}[0-9０-９XxＸｘ])([^0-9０-９XxＸｘ]|$)',
            '\1\2********\3\4'),
            -- 15-digit ID: region (6), birth date yymmdd (6), sequence (3)
            '(^|[^0-9A-Za-z０-９Ａ-Ｚａ-ｚ])([1-9１-９][0-9０-９]{5}[ 　]?)'
            || '[0-9０-９]{2}'
            || '(?:[0０][1-9１-９]|[1１][0-2０-２])(?:[0０][1-9１-９]|[12１２][0-9０-９]|[3３][01０１])'
            || '([ 　]?[0-9０-９]{3})([^0-9０-９]|$)',
            '\1\2******\3\4'),
            -- mobile: country code, 1[3-9]x, 4 hidden, 4 kept
            '(^|[^0-9A-Za-z０-９Ａ-Ｚａ-ｚ])'
            || '((?:(?:[+＋]|00|００)?(?:86|８６)[ 　\-－]?|[(（][+＋]?(?:86|８６)[)）][ 　\-－]?)?'
            || '[1１][3-9３-９][0-9０-９])([ 　\-－]?)[0-9０-９]{4}([ 　\-－]?[0-9０-９]{4})([^0-9０-９]|$)',
            '\1\2\3****\4\5'),
            -- landline: area code (010, 02x or 0 and 3 digits from 3; after +86 without its 0), 3-4 hidden, 4 kept
            '(^|[^0-9A-Za-z０-９Ａ-Ｚａ-ｚ])'
            || '((?:(?:[+＋]|00|００)(?:86|８６)[ 　\-－]?[(（]?[0０]?|[(（]?[0０])'
            || '(?:[1１][0０]|[2２][0-9０-９]|[3-9３-９][0-9０-９]{2})[)）]?[ 　\-－]?)[0-9０-９]{3,4}([ 　\-－]?[0-9０-９]{4})([^0-9０-９]|$)',
            '\1\2****\3\4')
    end;

create or replace temp macro mask_personal(text) as
    regexp_replace(mask_numbers(text), '((?:姓名|联系人|来电人)[:：]?\s*[\p{Han}])[\p{Han}]{1,3}', '\1**', 'g');
