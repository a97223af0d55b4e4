-- Workstation state at each poll (topic tws.workstations): linked/running, limit, fence, OS, version.
CREATE TABLE IF NOT EXISTS workstation_status (
  time          timestamptz NOT NULL,
  workstation   text        NOT NULL,
  plan_id       text,
  linked        boolean     NOT NULL,
  running       boolean     NOT NULL,
  active_states text[]      NOT NULL,
  job_limit     integer,
  fence         integer,
  os            text,
  version       text,
  node_name     text,
  PRIMARY KEY (workstation, time)
);
SELECT twspulse_make_hypertable('workstation_status', 'time', '7 days');
