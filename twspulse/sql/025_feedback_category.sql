-- An operator's word on what the category of a failed run really was (`twspulse feedback --category`): carried
-- over to the next failure of the same pattern (models/annotate/track_record.py). NULL: not said.
ALTER TABLE annotation_feedback ADD COLUMN IF NOT EXISTS category text;
