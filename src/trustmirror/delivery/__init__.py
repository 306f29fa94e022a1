"""How survey links reach people: e-mail from the system (the default) or printed letters.

By e-mail nobody but the invited person ever sees a link: the background worker makes the
token when it sends the message, stores only its hash, and puts the link in the message and
nowhere else (:mod:`trustmirror.delivery.sending`). Each message is sent at most once, also
across a worker that dies halfway (:class:`~trustmirror.delivery.models.Message`). Reminders
go to everyone invited and cannot repeat the link; a person who lost theirs asks for a new one
on ``/s/lost/``. Printed letters are the explicit, weaker alternative: one mail-merge file
with every link, produced once (:mod:`trustmirror.delivery.letters`).

Nothing in this package records, or could learn, who has answered.
"""
