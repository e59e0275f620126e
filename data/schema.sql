-- The cityops schema (DuckDB). Column names are a contract: the dashboard,
-- the query layer, the importers and the checks all read them.
--
-- Times are local city time (TIMESTAMP without zone). A life-cycle stage that
-- had not happened by the snapshot time (meta key 'as_of') is NULL; the
-- dashboard additionally treats any stage later than its own clock as not yet
-- happened, so a demo city "plays" through the current day.
--
-- Low-cardinality text columns are VARCHAR, not ENUM: DuckDB stores them with
-- dictionary compression (measured: a 25 M-row channel column takes a few MB
-- either way), imports from other cities bring vocabularies we cannot list in
-- advance, and the panels read rollups rather than grouping raw rows.

create table if not exists requests (
    request_id     varchar not null,  -- ticket number, unique within source
    source         varchar not null,  -- where the row came from: 'demo' or an import's dataset name
    channel        varchar not null,  -- intake channel code: hotline/app/miniprogram/web/grid (imports may add others)
    kind           varchar not null,  -- consult/help/complaint/report/suggest (咨询/求助/投诉/举报/建议)
    category       varchar not null,  -- top category, readable name (joins categories.category)
    subcategory    varchar not null,  -- second-level category, readable name (joins categories.subcategory)
    text           varchar,           -- the request as written down by the operator; caller already masked
    district       varchar,           -- 区
    street         varchar,           -- 街道/乡镇
    community      varchar,           -- 社区/村
    grid           varchar,           -- grid_id of the 网格 the location falls in
    lat            double,            -- WGS-84/GCJ-02 latitude of the reported location
    lon            double,            -- longitude of the reported location
    unit           varchar,           -- 承办单位: responsible street office or department (joins units.unit)
    received_at    timestamp not null, -- 受理: the centre registered the request
    dispatched_at  timestamp,         -- 派单: sent to the responsible unit
    responded_at   timestamp,         -- 响应: the unit first contacted the citizen
    handled_at     timestamp,         -- 办结: the unit reported it handled
    callback_at    timestamp,         -- 回访: the centre called the citizen back
    deadline_at    timestamp,         -- when it must be handled: received_at + categories.deadline_hours
    resolved       boolean,           -- citizen says the problem is solved (回访); NULL before the callback
    satisfied      boolean,           -- citizen satisfied with the handling (回访); NULL before the callback
    satisfaction_score tinyint,       -- finer callback score 1..5; NULL before the callback
    repeat_of      varchar,           -- request_id of an earlier request about the same problem (重复诉求)
    reopened       boolean not null default false, -- sent back to the unit after a failed callback (重新派单)
    whistle        varchar not null default 'none', -- 吹哨: none/routine/tough/emergency (日常哨/攻坚哨/应急哨)
    whistle_at     timestamp,         -- when the street office blew the whistle
    arrived_at     timestamp          -- when the summoned department reported on site (报到)
);
-- Status is derived, never stored, as of a time t (macros in queries/metrics.sql):
-- received (not dispatched by t) → dispatched → responded → handled → closed
-- (called back by t); "open" means not handled by t; "overdue" means open and
-- deadline_at < t.

create table if not exists incidents (
    incident_id     varchar not null, -- event number, unique within source
    source          varchar not null, -- detector: sensor/video/patrol/drone/hotline
    type            varchar not null, -- event type, readable name (joins incident_types.type)
    severity        tinyint not null, -- 1 一般, 2 较大, 3 重大, 4 特别重大
    detected_at     timestamp not null, -- detected by a sensor, camera, drone, patrol or call
    acknowledged_at timestamp,        -- a duty officer confirmed it
    dispatched_at   timestamp,        -- sent to a responsible unit
    onsite_at       timestamp,        -- the unit arrived on site
    closed_at       timestamp,        -- handled and closed
    district        varchar,          -- 区
    street          varchar,          -- 街道/乡镇
    grid            varchar,          -- grid_id
    lat             double,           -- latitude
    lon             double,           -- longitude
    unit            varchar,          -- responsible unit (joins units.unit)
    status          varchar not null, -- stage reached by the snapshot: detected/acknowledged/dispatched/onsite/closed
    dataset         varchar default 'demo' -- 'demo' or an import's dataset name; rows are kept by dataset + incident_id
);
-- Databases made before the dataset column get it here; their incidents are the demo's.
alter table incidents add column if not exists dataset varchar default 'demo';

create table if not exists indicators (
    period            date not null,  -- first day of the month evaluated
    district          varchar,        -- NULL = city-wide
    dimension         varchar not null, -- 城市运行/城市管理/公众服务/工作效能
    aim               varchar not null, -- one of the twelve aims (安全, 韧性, 健康, 干净, ...)
    code              varchar not null, -- indicator code (joins indicator_definitions.code)
    name              varchar not null, -- readable name
    value             double,         -- measured value in measure_unit
    measure_unit      varchar not null, -- '%', 'min', '件/万人', '分', ...
    target            double not null, -- the value to reach
    higher_is_better  boolean not null, -- direction
    score             double,         -- 0..100: 100 when the target is met, proportionally less otherwise
    responsible_unit  varchar,        -- who answers for it on a rectification list (整改清单)
    dataset           varchar         -- the import's dataset that reported it; NULL = computed or drawn by the demo
);
-- Databases made before the dataset column get it here; none of their indicators was imported.
alter table indicators add column if not exists dataset varchar;

create table if not exists indicator_definitions (
    code             varchar not null, -- indicator code
    dimension        varchar not null, -- dimension (zh)
    dimension_en     varchar not null, -- dimension (en)
    aim              varchar not null, -- aim (zh)
    aim_en           varchar not null, -- aim (en)
    name             varchar not null, -- name (zh)
    name_en          varchar not null, -- name (en)
    measure_unit     varchar not null, -- unit of the value
    target           double not null,  -- target value
    higher_is_better boolean not null, -- direction
    computed         boolean not null, -- true when computed from requests/incidents, false when reported by a unit
    definition       varchar not null, -- how it is measured (zh)
    definition_en    varchar not null, -- how it is measured (en)
    responsible_unit varchar          -- the department that answers for it
);

create table if not exists districts (
    district     varchar not null, -- name (zh), e.g. 朝阳区
    name_en      varchar,          -- name (en)
    adcode       integer,          -- administrative division code
    population   bigint,           -- resident population (persons)
    area_km2     double,           -- area in km²
    geometry     varchar,          -- boundary as GeoJSON geometry text; NULL for imported cities without boundaries
    centroid_lat double,           -- label point latitude
    centroid_lon double            -- label point longitude
);

create table if not exists streets (
    street       varchar not null, -- 街道/乡镇 name (zh), unique city-wide
    name_en      varchar,          -- name (en)
    district     varchar not null, -- district it belongs to
    population   bigint,           -- resident population
    area_km2     double,           -- area in km²
    geometry     varchar,          -- boundary as GeoJSON text
    centroid_lat double,           -- label point latitude
    centroid_lon double            -- label point longitude
);

create table if not exists communities (
    community varchar not null, -- 社区/村 name, unique city-wide
    street    varchar not null, -- street it belongs to
    district  varchar not null  -- district it belongs to
);

create table if not exists grids (
    grid_id      varchar not null, -- grid code
    grid         varchar not null, -- display name
    community    varchar,          -- community it belongs to
    street       varchar not null, -- street it belongs to
    district     varchar not null, -- district it belongs to
    population   bigint,           -- resident population
    area_km2     double,           -- area in km²
    geometry     varchar,          -- boundary as GeoJSON text
    centroid_lat double,           -- label point latitude
    centroid_lon double            -- label point longitude
);

create table if not exists units (
    unit      varchar not null, -- 承办单位 name (zh)
    unit_en   varchar,          -- name (en)
    unit_type varchar not null, -- 'street' (街道办事处/乡镇政府) or 'department' (委办局)
    district  varchar,          -- district of a street office; NULL for city departments
    code      varchar           -- short code
);

create table if not exists categories (
    code           varchar not null, -- subcategory code
    category_code  varchar not null, -- top category code
    category       varchar not null, -- top category (zh)
    category_en    varchar,          -- top category (en)
    subcategory    varchar not null, -- subcategory (zh), unique
    subcategory_en varchar,          -- subcategory (en)
    deadline_hours integer not null, -- time allowed to handle (办结时限)
    department     varchar           -- responsible department (委办局) unit name; NULL = the street office
);

create table if not exists incident_types (
    type           varchar not null, -- event type (zh)
    type_en        varchar,          -- event type (en)
    code           varchar,          -- short code
    onsite_minutes integer,          -- expected detect→on-site time
    close_hours    integer           -- expected detect→close time
);

create table if not exists demo_events (
    event_id    integer not null, -- sequence number
    kind        varchar not null, -- storm / rising / surge
    starts_at   timestamp not null, -- when the event begins
    peaks_at    timestamp not null, -- when it is at its worst
    ends_at     timestamp not null, -- when it is over
    district    varchar,          -- affected district (NULL = city-wide)
    street      varchar,          -- affected street (NULL = whole district or city)
    subcategory varchar,          -- request subcategory it drives
    description varchar not null  -- what happened, for people checking the analytics
);

create table if not exists meta (
    key   varchar not null, -- setting name: data_version, as_of, generated_at, seed, ...
    value varchar           -- its value as text
);

create table if not exists sources (
    source             varchar not null, -- as in requests.source / incidents.source: 'demo' or an import's dataset name
    format             varchar,          -- demo / csv / nyc311 / open311 / parquet / xlsx
    records_responses  boolean not null, -- whether the source records when the citizen was first contacted
    imported_at        timestamp         -- when it was last imported
);

create table if not exists imports (
    import_id  varchar not null,   -- one run of data.ingest
    source     varchar not null,   -- the dataset it loaded into
    files      varchar not null,   -- the files read, comma-separated
    format     varchar not null,   -- the format they were read as
    started_at timestamp not null, -- when the import began
    rows_read  bigint not null,    -- data rows read
    loaded     bigint not null,    -- rows inserted or updated
    rejected   bigint not null,    -- rows refused (see rejected_rows)
    seconds    double not null     -- how long it took
);

create table if not exists rejected_rows (  -- refused rows, and values dropped from rows that loaded
    import_id varchar not null, -- the import that refused it
    file      varchar not null, -- the file it came from
    line      bigint not null,  -- its record in a CSV or sheet (the header is line 1), else its record number from 1
    reason    varchar not null, -- why, from a short fixed vocabulary (data/ingest/refusals.py)
    raw       varchar not null, -- the row as read, as JSON text, personal data masked
    detail    varchar,          -- the value or the other line the reason is about
    field     varchar           -- NULL: the row was refused; else the row loaded without (or with corrected) this column
);
alter table rejected_rows add column if not exists detail varchar;  -- databases from before the two columns
alter table rejected_rows add column if not exists field varchar;

create table if not exists warnings (
    warning_id  varchar not null,  -- stable id: kind, place, topic and the day it was first seen
    kind        varchar not null,  -- surge (the last 3 days far above expected) / rising (a climb sustained over weeks)
    level       varchar not null,  -- street (street × subcategory) / district (district × category)
    district    varchar not null,  -- 区
    street      varchar,           -- 街道/乡镇; NULL for a district-level warning
    category    varchar not null,  -- top category
    subcategory varchar,           -- subcategory; NULL for a district-level warning
    first_seen  date not null,     -- the first day the detector fired
    last_seen   date not null,     -- the last day it fired
    observed    double not null,   -- requests in the window that fired last (3 days for a surge, since the climb began for rising)
    expected    double not null,   -- what the baseline expected in that window
    score       double not null,   -- strength: -log10 of the tail probability (surge) or the CUSUM statistic (rising)
    status      varchar not null default 'new', -- new / acknowledged / closed (the latest action in the actions file wins)
    computed_at timestamp not null  -- when the analytics wrote it
);

create table if not exists warning_days (
    warning_id varchar not null, -- the warning
    day        date not null,    -- a day of its chart (the 8 weeks before last_seen)
    observed   integer not null, -- requests that day
    expected   double not null,  -- the baseline's expectation
    low        double not null,  -- the band: 2.5 % Poisson quantile of the expectation
    high       double not null   -- 97.5 % quantile
);

create table if not exists forecasts (
    district    varchar not null, -- 区; '全市' for the whole city
    day         date not null,    -- a day of the next seven
    expected    double not null,  -- forecast requests that day
    low         double not null,  -- 80 % interval, lower end
    high        double not null,  -- upper end
    computed_at timestamp not null -- when the analytics wrote it
);

create table if not exists topics (
    month            date not null,    -- first day of the month the topics are for
    rank             integer not null, -- 1 = the strongest candidate for 每月一题
    topic_id         varchar not null, -- month, cluster and street
    keywords         varchar not null, -- the cluster's top words, '、'-joined
    district         varchar,          -- where it is: the district
    street           varchar,          -- and the street
    subcategory      varchar,          -- the subcategory most of its requests carry
    volume           integer not null, -- requests this month
    expected         double not null,  -- what last month's requests there predicted, adjusted by the city's change
    growth           double not null,  -- (volume - expected) / (expected + 1)
    repeat_rate      double not null,  -- share that repeat an earlier ticket or were reopened
    unsatisfied_rate double not null,  -- share of the called-back ones not satisfied
    score            double not null,  -- volume × growth × (1 + repeat_rate) × (1 + unsatisfied_rate)
    computed_at      timestamp not null -- when the analytics wrote it
);

create table if not exists topic_samples (
    month      date not null,    -- as in topics
    topic_id   varchar not null, -- the topic
    request_id varchar not null  -- one of its requests, to read (masked) on the page
);

create table if not exists topic_months (
    month             date not null,    -- as in topics: the month the topic was found in
    topic_id          varchar not null, -- the topic
    for_month         date not null,    -- a month of its history
    volume            integer not null, -- its requests that month (the street's requests assigned to its cluster)
    response_rate     double,           -- 响应率 of those requests, as on every other panel
    resolution_rate   double,           -- 解决率
    satisfaction_rate double            -- 满意率
);

create table if not exists connector_cursors (
    url         varchar not null,  -- the endpoint `data.ingest --pull` reads, as given
    api         varchar not null,  -- open311 (GeoReport v2 requests.json) / socrata (a SODA resource)
    resume_from varchar not null,  -- open311: the UTC end of the last window read; socrata: the :updated_at the next pull starts from
    saved_at    timestamp not null -- when it last advanced (after the batch before it was imported)
);

create table if not exists connector_records (
    url       varchar not null,  -- the endpoint, as in connector_cursors
    record_id varchar not null,  -- the record's id there (service_request_id, or the mapping's request_id field)
    digest    varchar not null,  -- SHA-1 of the record as pulled: a page read again imports only what changed
    moment    timestamp not null -- UTC: open311 its requested time, socrata its :updated_at; dropped once no pull re-reads it
);
