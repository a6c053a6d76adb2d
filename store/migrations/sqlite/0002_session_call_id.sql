-- Voice sessions record their call's ID (SIP Call-ID or WebRTC leg ID),
-- which names the call's recording.
ALTER TABLE sessions ADD COLUMN call_id TEXT NOT NULL DEFAULT '';
