-- Messages between the two organisations about a referral (service/referrals/referrals.py):
-- a step of the timeline whose note is the text. Like every note it is about the person:
-- the two organisations only see it, and it is blanked when the person's data is erased.
ALTER TABLE referral_event DROP CONSTRAINT referral_event_action_check;
ALTER TABLE referral_event ADD CONSTRAINT referral_event_action_check
    CHECK (action IN ('send', 'accept', 'decline', 'redirect', 'close', 'cancel', 'expire',
                      'erase', 'message'));
