# Switchboard English sentiment lexicon, written for Switchboard (not derived
# from any other lexicon file). Valences on -4..+4. See README.md for the
# format. Tuned on testdata/callcenter_dev.csv only.

[negators]
not
no
never
n't
don't
dont
doesn't
doesnt
didn't
didnt
isn't
isnt
aren't
arent
wasn't
wasnt
weren't
werent
haven't
havent
hasn't
hasnt
hadn't
hadnt
can't
cant
cannot
couldn't
couldnt
won't
wont
wouldn't
wouldnt
shouldn't
shouldnt
ain't
aint
nobody
no one
noone
nothing
none
neither
nor
without
hardly	-0.5
barely	-0.5

[boosters]
very	0.293
really	0.293
so	0.293
too	0.293
extremely	0.4
incredibly	0.4
absolutely	0.4
totally	0.35
completely	0.35
utterly	0.4
truly	0.3
highly	0.3
especially	0.25
particularly	0.25
exceptionally	0.4
remarkably	0.3
deeply	0.3
hugely	0.35
massively	0.35
super	0.3
such	0.2
most	0.25
much	0.2
more	0.15
even	0.15
ever	0.2
always	0.2
just	0.1
at all	0.35
whatsoever	0.4
bloody	0.4
freaking	0.4
fucking	0.5
so much	0.35
a lot	0.2
slightly	-0.293
somewhat	-0.293
a bit	-0.293
a little	-0.293
a little bit	-0.35
kind of	-0.293
kinda	-0.293
sort of	-0.293
sorta	-0.293
fairly	-0.2
rather	-0.1
quite	0.1
pretty	0.1
almost	-0.2
partly	-0.3
marginally	-0.35
mostly	-0.1

[contrast]
but
however
though
nevertheless
nonetheless
except
still,
anyway

[concession]
although
even though
even if
despite
in spite of
while
whilst

[emoticons]
:)	2.0
:-)	2.0
:))	2.4
:D	2.3
:-D	2.3
;)	1.5
;-)	1.5
:P	1.2
:p	1.2
xD	2.0
XD	2.0
=)	1.8
^_^	2.0
^^	1.8
<3	2.5
:(	-2.0
:-(	-2.0
:((	-2.4
:'(	-2.4
:/	-1.2
:-/	-1.2
:|	-0.6
>:(	-2.6
D:	-1.8
-_-	-1.5
T_T	-2.0
</3	-2.5

[valence]
# general positive words
good	1.9	-1.3
great	3.0	-1.6
excellent	3.2	-1.8
amazing	3.0	-1.5
awesome	3.0	-1.5
fantastic	3.2	-1.6
brilliant	3.0	-1.5
wonderful	3.0	-1.5
perfect	2.8	-1.3
perfectly	2.3	-1.0
lovely	2.6	-1.2
nice	1.8	-1.3
fine	0.8	-1.2
superb	3.1
outstanding	3.1
terrific	3.0
marvellous	3.0
marvelous	3.0
splendid	2.8
stellar	2.8
fabulous	3.0
incredible	2.5
impressive	2.4
impressed	2.5	-1.5
exceptional	2.8
flawless	2.8
seamless	2.0
seamlessly	2.0
smooth	1.6	-1.0
smoothly	1.6	-1.0
easy	1.5	-1.3
easier	1.5	-1.0
easily	1.2
simple	0.3	-1.0
quick	1.2	-1.2
quickly	1.0	-1.0
quicker	1.2
fast	1.2	-1.3
faster	1.3
speedy	1.5
prompt	0.2
promptly	1.5
efficient	1.8	-1.5
efficiently	1.6
reliable	1.8	-1.6
helpful	2.0	-1.8
helped	1.2	-1.6
friendly	2.0	-1.4
polite	1.6	-1.4
courteous	1.8
kind	1.6	-1.2
kindly	0.6
patient	1.5	-1.0
professional	1.6	-1.5
knowledgeable	1.8
understanding	1.0
caring	1.8
respectful	1.6
clear	0.8	-1.2
clearly	0.5
accurate	1.0	-1.3
convenient	1.5	-1.2
comfortable	1.5	-1.2
pleasant	2.0	-1.2
pleasantly	1.8
happy	2.5	-2.0
happier	2.3
happily	2.0
glad	2.1	-1.3
pleased	2.1	-1.8
delighted	3.0
thrilled	3.0
excited	2.3
ecstatic	3.2
overjoyed	3.2
joy	2.8
cheerful	2.2
satisfied	1.8	-2.0
satisfying	1.8
satisfaction	1.5	-1.5
content	0.8
relief	2.1
relieved	2.1
relieving	1.8
calm	0.8
safe	1.2	-1.3
secure	1.0	-1.2
love	2.8	-1.6
loved	2.8
loving	2.5
loves	2.7
lovin	2.5
adore	3.0
like	0.9	-1.0
liked	1.3
likes	1.0
enjoy	2.0	-1.2
enjoyed	2.1
enjoying	2.0
fun	2.0	-1.0
funny	1.2
cool	1.3	-0.8
sweet	1.8
beautiful	2.8
gorgeous	2.8
best	3.0	-1.0
better	1.5	-1.3
improved	1.6	-1.2
improvement	1.5
recommend	1.8	-2.0
recommended	1.6
worth	1.2	-1.6
worthwhile	1.5
value	0.5
valuable	1.8
favourite	2.0
favorite	2.0
hero	2.5
heroes	2.5
legend	2.5
legends	2.5
star	1.4
stars	0.8
lifesaver	3.0
champion	2.2
genius	2.5
kudos	2.6
bravo	2.6
congrats	2.4
congratulations	2.4
wow	2.0
yay	2.3
woohoo	2.5
hooray	2.5
cheers	1.4
haha	1.6
hahaha	1.8
hehe	1.4
lol	1.0
lmao	1.8
rofl	1.8
thank	1.5	-1.5
thanks	1.6	-1.5
thankyou	1.6
thx	1.5
ty	1.0
grateful	2.2
thankful	2.2
gratitude	2.2
appreciate	2.0	-1.5
appreciated	2.0
appreciative	2.0
welcome	1.4
pleasure	2.2
hope	0.8
hopefully	0.8
hoping	0.6
luck	1.2
lucky	1.8
blessed	2.4
win	2.0
won	1.8
winner	2.2
success	2.0
successful	2.0
successfully	1.6
solved	1.6	-2.0
solution	0.8
resolved	1.6	-2.0
resolve	0.3	-1.8
sorted	1.3	-1.8
fixed	1.5	-2.0
fix	0.2	-1.6
working	0.3	-2.0
works	0.8	-2.0
worked	1.0	-1.9
work	0.0	-1.9
functioning	0.3	-1.8
arrived	0.5	-2.1
arrive	0.2	-2.0
arrives	0.2	-1.8
arriving	0.2	-1.8
came	0.0	-1.8
come	0.0	-1.5
received	0.3	-1.9
receive	0.0	-1.8
got	0.0	-1.0
get	0.0	-0.8
delivered	0.5	-2.0
shipped	0.2	-1.9
dispatched	0.2	-1.8
sent	0.0	-1.5
refunded	1.0	-2.1
refund	0.0	-2.1
reimbursed	1.0	-2.1
credited	0.6	-1.8
answered	0.3	-1.9
answer	0.0	-1.5
replied	0.3	-1.9
reply	0.0	-1.5
response	0.0	-1.5
update	0.0	-1.2
updates	0.0	-1.2
respond	0.0	-1.7
responded	0.3	-1.8
contacted	0.2	-1.8
contact	0.0	-1.2
help	0.3	-1.9
helping	0.3	-1.9
care	0.5	-1.8
cares	0.5	-1.8
told	0.0	-1.5
informed	0.4	-1.8
notified	0.3	-1.8
warned	-0.3	-1.4
showed up	0.3	-2.1
show up	0.3	-2.0
turned up	0.3	-2.1
turn up	0.3	-2.0
(call|called|calling|ring|rang|phone|phoned|get|got|getting) (me|us|) back	0.5	-2.1
(come|came|comes|coming) back	0.0	-1.8
went through	0.5	-1.6
gone through	0.3	-1.6
on time	0.6	-1.8
in time	0.8	-1.5
as promised	1.2	-2.0
(early|earlier than expected)	1.0
ahead of schedule	1.6
in perfect condition	2.3
all good	1.8
all sorted	2.0
all set	1.2
spot on	2.2
well done	2.5
good job	2.2
great job	2.3
nice one	2.0
top (service|notch)	2.6
(five|5) stars	2.6
no (complaints|complaint)	1.8
no problem	1.3
no problems	1.3
not a problem	1.3
no worries	1.3
no bother	1.0
no hassle	1.5
hassle free	2.0
not bad	1.5
not too bad	1.2
(you're|you are|youre) welcome	1.6
happy to help	2.3
glad to help	2.3
my pleasure	2.2
(have|enjoy) a (good|nice|great|lovely|wonderful) (day|one|evening|weekend|trip|flight)	1.6
(thank you|thanks) (so|very) much	2.6
thanks a (lot|million|bunch|ton)	2.5
(many|much) thanks	2.3
thank you	1.8
(can't|cannot|cant) thank you enough	3.2
much appreciated	2.3
greatly appreciated	2.5
made my day	3.0
above and beyond	2.8
weight off my (mind|shoulders)	2.5
peace of mind	1.8
(a|what a|such a) relief	2.2
works (perfectly|fine|great|well)	2.0
working (perfectly|fine|great|well|again)	1.8
(working|sorted|fixed|resolved) now	1.6
back to normal	1.6
(it|that) (works|worked)	1.2
(first|1st) (call|time) (resolution|fix)	2.0
(fixed|sorted|resolved|solved) (my problem|it|the problem|the issue|everything) (in|within) (minutes|<num> minutes|an hour|under an hour|no time)	2.6
(fixed|sorted|resolved|solved) (it|that)? (so )?(quickly|fast)	2.4
much (better|easier|faster|cheaper|quicker)	1.8
(easier|quicker|faster|cheaper) than (i )?(expected|thought)	2.0
so glad	2.4
good to hear	1.8
good news	2.2
great news	2.8
wonderful news	3.0
you're a star	2.6
thanks for (the|your) (help|patience|time|support|quick reply|quick response|understanding)	2.0

# sarcasm, ironic thanks
thanks for nothing	-2.8
thank you for nothing	-2.8
thanks for (losing|ruining|breaking|wasting|ignoring|cancelling|canceling|nothing|the delay|making me wait|charging me)	-2.5
oh great	-1.8
just great	-1.8
(love|loving|lovely) how	-1.5
just what i needed	-0.5
classy	-1.0
(yeah|yea) right	-1.8
good luck with that	-1.5
what a joke	-2.6
(is|is a|'s a|a) joke	-2.2

# general negative words
lack	-1.2
lacks	-1.2
lacking	-1.3
bad	-2.5	1.5
badly	-2.2
terrible	-3.2
terribly	-2.8
awful	-3.2
awfully	-2.0
horrible	-3.2
horrendous	-3.3
horrific	-3.3
dreadful	-3.0
appalling	-3.3
atrocious	-3.3
abysmal	-3.3
worst	-3.3
worse	-2.3
poor	-2.1	0.5
poorly	-2.0
rubbish	-2.6
garbage	-2.8
trash	-2.5
crap	-2.8
crappy	-2.8
shit	-3.0
shitty	-3.0
sucks	-2.6
suck	-2.4
sucked	-2.4
lousy	-2.5
useless	-2.6
pointless	-2.1
worthless	-2.8
hopeless	-2.6
helpless	-2.0
pathetic	-3.0
disgusting	-3.2
disgrace	-3.0
disgraceful	-3.1
shameful	-2.9
shame	-2.0
shocking	-2.5
shocked	-2.0
outrageous	-3.0
outraged	-3.0
ridiculous	-2.5
absurd	-2.3
unacceptable	-3.0	1.0
unbelievable	-1.5
insane	-1.8
crazy	-1.2
incompetent	-2.8
incompetence	-2.8
unprofessional	-2.6
rude	-2.6
arrogant	-2.4
unhelpful	-2.2
careless	-2.2
lazy	-2.0
dishonest	-2.8
lied	-2.5
liar	-2.8
liars	-2.8
lies	-2.4
lying	-2.3
misleading	-2.3
misled	-2.3
cheated	-2.8
cheat	-2.6
scam	-3.0
scammed	-3.1
scammers	-3.0
fraudulent	-2.8
ripoff	-2.8
rip off	-2.8
ripped off	-3.0
robbed	-3.0
robbery	-2.8
theft	-2.5
stolen	-2.4
hacked	-2.4
angry	-3.0
furious	-3.4
livid	-3.4
mad	-2.4
fuming	-3.2
rage	-3.0
annoyed	-2.2
annoying	-2.3
annoyance	-2.0
irritated	-2.2
irritating	-2.3
frustrated	-2.6
frustrating	-2.6
frustration	-2.5
upset	-2.4
disappointed	-2.4	0.5
disappointing	-2.4	0.5
disappointment	-2.4
dissatisfied	-2.4
unhappy	-2.4	0.8
sad	-2.0
miserable	-2.8
depressed	-2.6
depressing	-2.4
worried	-1.6
worry	-1.2	0.5
worrying	-1.6
concerned	-1.0
anxious	-1.8
stressed	-2.1
stress	-1.8
stressful	-2.2
nervous	-1.4
scared	-2.0
afraid	-1.6
hate	-3.0
hated	-3.0
hates	-2.9
hating	-2.8
dislike	-1.8
disliked	-1.8
regret	-2.0
regrets	-2.0
hurt	-2.0
pain	-2.0
painful	-2.3
suffer	-2.3
suffering	-2.4
cry	-1.8
crying	-2.0
tears	-1.6
sorry	-0.3
unfortunately	-1.2
sadly	-1.5
bother	-0.8
bothered	-1.0
inconvenience	-1.2
inconvenient	-1.5
hassle	-1.6
nightmare	-3.0
disaster	-3.0
disastrous	-3.1
chaos	-2.2
mess	-2.1
messed	-2.2
screwed	-2.6
joke	-1.2
nonsense	-2.1
bs	-2.2
bullshit	-3.0
wtf	-2.8
omg	-0.5
ugh	-2.0
argh	-2.0
grr	-2.0
sigh	-1.2
meh	-0.8
damn	-1.8
hell	-1.6
seriously	-0.8
honestly	0.0
wrong	-1.6	0.8
error	-1.5
errors	-1.5
mistake	-1.6
mistakes	-1.6
mistaken	-1.2
fault	-1.6
faulty	-2.1
defective	-2.2
broken	-2.1	0.8
broke	-1.8
break	-0.5
breaks	-1.6
damaged	-2.1
damage	-1.8
ruined	-2.6
ruin	-2.4
destroyed	-2.6
soaked	-1.5
missing	-1.6
lost	-1.4
lose	-1.6
losing	-1.6
loss	-1.6
lost (my|our) (luggage|bag|bags|parcel|package|order|money|documents|paperwork|booking|suitcase)	-2.6
fail	-2.1
failed	-2.1
fails	-2.1
failing	-2.1
failure	-2.3
crash	-1.9
crashes	-2.1
crashing	-2.1
crashed	-2.1
freezes	-1.8
frozen	-1.4
glitch	-1.7
bug	-1.2
buggy	-2.0
outage	-2.1
outages	-2.1
disconnected	-1.6
interrupted	-1.2
slow	-1.5	0.8
slower	-1.6
slowly	-1.0
sluggish	-1.6
late	-1.3	0.8
later	0.0
delay	-1.6
delays	-1.6
delayed	-1.6
overdue	-1.8
cancelled	-1.3
canceled	-1.3
cancellation	-0.6
cancel	0.0
stuck	-1.9
stranded	-2.6
problem	-1.3
problems	-1.5
issue	-0.9
issues	-1.1
trouble	-1.5
complain	-1.6
complaint	-1.8
complaints	-1.8
complaining	-1.6
complained	-1.8
refused	-1.8
refuse	-1.6
refuses	-1.8
denied	-1.6
declined	-1.2
rejected	-1.6
blocked	-1.5
expensive	-1.4
overpriced	-2.2
overcharged	-2.6
overcharging	-2.6
overcharge	-2.4
fee	-0.5
fees	-0.6
penalty	-1.4
ignored	-2.2
ignoring	-2.2
ignore	-1.4
ignores	-2.0
neglected	-2.2
confusing	-1.5
confused	-1.3
difficult	-1.2
impossible	-1.8
hard	-0.8
unable	-1.2
waste	-2.1
wasted	-2.3
wasting	-2.2
unreliable	-2.2
unusable	-2.4
unresponsive	-2.2
unreachable	-1.8
dead	-1.4
cold	-0.6
wet	-0.6
dirty	-1.8
noisy	-1.0
sick	-1.6
tired	-1.4
exhausted	-1.8
fed up	-2.8
sick (of|and tired)	-2.8
tired of	-2.3
had enough	-2.5
(i'm|i am|im) done	-1.8
losing (my )?patience	-2.5
at my wits end	-2.8
last straw	-2.8
the last time	-1.0
(driving|drive|drives) me (mad|crazy|insane|nuts)	-2.8
(not|never) (good|happy|pleased) enough	-1.5
# complaints and threats
formal complaint	-2.6
(make|file|lodge|raise|making|filing|lodging) a complaint	-2.2
(report|reporting) (this|you|it|them) to	-2.3
regulator	-1.5
ombudsman	-2.2
trading standards	-2.2
lawyer	-1.5
solicitor	-1.5
legal action	-2.6
sue	-2.5
take (this|it) further	-2.0
escalate (this|it)	-1.2
(speak|talk) to (your|a) (manager|supervisor)	-1.4
(i'm|i am|im|i'll|i will|i'm going to|going to|gonna) (close|closing|cancel|cancelling|canceling|leave|leaving|switch|switching|move|moving) (my|our)? (account|accounts|contract|business|everything|provider|bank|elsewhere|to)?	-2.1
(close|closing|cancel|cancelling) everything	-1.8
(take|taking) my (business|money) elsewhere	-2.6
(switch|switching|move|moving|go|going) to (another|a different|a competitor|your competitor|a new)	-2.1
competitor	-1.4
never (again|ever again)	-2.5
never (use|using|fly|flying|shop|shopping|buy|buying|order|ordering|book|booking|recommend|recommending) (with|from|at|)? (you|this|your|them|again)	-2.6
(won't|will not|wont) (be )?(use|using|fly|flying|shop|shopping|buy|buying|order|ordering|book|booking|recommend|recommending|coming back)	-2.3
how you treat	-2.0
(don't|do not|dont) trust	-2.2
(no|lost all) (trust|faith)	-2.4
# waiting, holding, time lost
on hold	-1.2
(been|kept|left|stuck|sat|waiting) on hold	-2.0
(put|place|placing|putting) you on hold	0.0
(please )?hold on	0.0
please hold	0.0
(hold|holding) (for|while)	0.0
(<num>|an|a|one|half an|over an|over <num>|more than <num>|more than an|almost an|almost <num>) (hour|hours|hrs|hr|minutes|mins|min) (on hold|waiting|in the queue|in a queue|of my life|on the phone)	-2.6
(hour|day|week) <num> (of|on|without|and)	-2.0
(on|in) the (phone|queue) for (<num>|an|over an|half an) (hour|hours|minutes)	-2.4
(waited|waiting|wait|been waiting) (for |over |more than |almost |nearly |)(<num>|an|a|one|half an|half a|all) (hour|hours|minutes|mins|day|days|week|weeks|month|months|morning|afternoon|year|years)	-2.5
(waited|waiting) (in )?all day	-2.6
(waited|waiting) (since|for ages|forever|so long|too long)	-2.4
still waiting	-2.4
been waiting	-2.0
(keep|keeps) (me )?waiting	-2.2
kept (me )?waiting	-2.2
waiting	-0.6
waited	-1.0
(i'll|i will|i can|happy to|don't mind|dont mind) (wait|waiting)	0.0
taking forever	-2.4
takes forever	-2.4
took forever	-2.4
forever	-0.6
ages	-0.8
(so|too|that) long	-1.4
how long (will|does|do|is|until)	0.0
(it's|it has|it's already|has|have) been (a|an|one|<num>|over a|over <num>|more than a|more than <num>|almost a|nearly a|almost <num>|nearly <num>) (day|days|week|weeks|month|months|year|years|hour|hours)	-2.0
(<num>|a|an|one) (day|days|week|weeks|month|months) (later|now|already|and still|and counting|late|overdue|ago and)	-2.1
(after|for|over|in) (<num>|a|an|two) (whole )?(day|days|week|weeks|month|months)	-0.7
took (<num>|a|an) (day|days|week|weeks|month|months)	-1.8
day <num>	-1.2
<num> (hours|hrs|days|weeks) late	-2.3
(delayed|late) (by )?(<num>|an|over an|over <num>) (hour|hours|hrs|minutes|days)	-2.3
since (monday|tuesday|wednesday|thursday|friday|saturday|sunday|yesterday|last week|last month|this morning|<num>|the weekend|march|april|may|june|july|january|february|august|september|october|november|december)	-1.0
(it's|its|it is) (<num>|<num> pm|<num> am|<num>pm|<num>am) (now|already)?	-0.6
(it's|its|it is) (friday|monday|tuesday|wednesday|thursday|saturday|sunday) now	-1.5
(still|yet) (nothing|none|pending|broken|down|the same|there|says|shows|showing|paying|charging|taking|blocked|missing|off|out)	-2.0
still	-0.6
yet	0.0
not yet	0.0
# repeated contacts
(<ord>|<num>) (time|times) (i|i've|i have|i'm|im|we|we've|this|that|now|today|in a row|running|already|this week|this month|this year)	-2.0
the <ord> time	-1.9
(for )?the <ord> time	-1.9
<num> times (now|already)	-2.0
<num> times	-0.8
(second|third|fourth|fifth|sixth|umpteenth|nth|2nd|3rd|4th|5th|6th|another) call	-1.5
(on|at) the first (call|try|attempt)	1.0
(called|call|calling|rang|phoned|contacted|emailed|written|wrote|chased|asked|sent|explained|told you) (<num>|several|many|multiple|countless|numerous|so many|a dozen|a few) times	-2.3
again	-0.8
yet again	-1.6
(again|yet again) and again	-2.2
over and over	-2.2
every (single )?time	-1.2
each time	-0.8
(same|the same) (problem|issue|answer|error|thing|fault|story|excuse|message|response|reply)	-1.4
(a|another) different (answer|story|person|excuse)	-1.5
repeat (my|the|myself|it)	-1.0
repeating myself	-2.0
(keep|keeps) (getting|happening|crashing|dropping|telling|asking|saying|promising|passing|transferring|sending|charging|taking|cutting|failing|losing|breaking)	-1.8
kept (getting|happening|crashing|dropping|telling|asking|saying|promising|passing|transferring|sending|charging|taking|cutting|failing|losing|breaking)	-1.8
# transferred around, nobody helps
transferred (me )?(<num> times|around|again|back and forth|from|between|to the wrong)	-2.2
(passed|passing|pushed|bounced|sent) (me )?(around|from one|between|back and forth)	-2.2
from one (department|person|team|agent) to another	-2.2
(nobody|no one|noone) (can|could|is able to|seems to|wants to|will) help	-2.6
(nobody|no one|noone) (knows|seems to know|cares|seems to care|is answering|answers|picks up|listens)	-2.4
(nobody|no one) (told|tells|informed|warned) (me|us)	-2.0
(nobody|no one) (showed|turned|came)	-2.2
(hung|hangs|put the phone) (up )?(on me|down on me)	-2.6
hung up	-1.6
line (just )?(rings out|went dead|goes dead)	-2.0
(can't|cannot|cant|couldn't|unable to) get through	-2.2
(call|calls|line|connection) (keeps|kept)? (drop|dropping|dropped|cut off|cutting out)	-1.8
cut off	-1.6
cut (my|our|the) (line|power|service|internet|phone)	-2.2
(is|was|went|been|has been|goes|keeps going) down	-1.8
(no|without) (signal|internet|power|service|water|hot water|electricity|heating|phone|wifi|connection|broadband|coverage)	-2.2
(not|isn't|isnt|is not) working	-2.2
(doesn't|does not|doesnt|didn't|did not|never) work	-2.2
(stopped|stop) working	-2.2
(keeps|kept) (crashing|freezing|failing)	-2.3
(error message|error code)	-1.6
(can't|cannot|cant|unable to) (log in|login|sign in|access|pay|use|open|connect|get in)	-2.0
# money
(charged|billed|debited|taken|took|deducted|paid|charge|charging) (me |us |it |the money |my card |)(twice|double|two times|three times|again|<num> times)	-2.6
double (charged|billed|charge|payment|payments)	-2.6
(two|2|duplicate) (payments|charges|debits)	-0.5
(took|taking|take|takes|taken) (the |my |our )?money	-1.6
(still|keep|keeps|kept) (taking|charging|billing|debiting)	-2.4
without (my |our |)(permission|consent|authorisation|authorization|asking|telling|informing|notice|warning|notifying)	-2.3
(nobody|no one) told me	-2.0
(where is|where's|wheres) my (money|refund|parcel|package|order|delivery|card|luggage|bag)	-1.8
(want|need|demand) my money back	-2.2
money back	-0.6
(a )?voucher	-0.2
(refund|money) (has|have)? (still )?(not|never) (come|came|arrived|appeared|been paid|gone through)	-2.2
(hidden|extra|unexpected|surprise) (fee|fees|charge|charges|costs)	-2.2
late (fee|fees|payment fee)	-1.6
service charge	-0.6
(for|on) (my|your|their) mistake	-1.8
pay for (your|their) mistake	-2.6
paying for nothing	-2.8
(for|paying for|pay for) a service (i|we) (didn't|did not|never) (get|got|receive|use)	-2.6
(i'm|i am|im) not paying	-2.2
owe	-0.8
debt	-1.2
# things not arriving, broken promises
supposed to	-1.2
(should|should've) have (been|arrived|come|had|got|received)	-1.7
(you|they|he|she|it) (said|promised|told me) (it|that|i|you|someone|they|he|she|we)	-0.9
promised	-0.6
broken promise	-2.4
broke (their|your|the) promise	-2.4
(like|as) you (promised|said)	-0.6
(nothing|none of it|nothing at all) (arrived|came|happened|happens|has happened|has been done|at my door)	-2.3
nothing (has )?changed	-1.8
(there is|there's|theres|there was) nothing	-1.4
(not|isn't|wasn't|is not|was not) what (i|we) (ordered|asked for|paid for|wanted|bought)	-2.3
wrong (item|address|size|order|product|amount|bill|charge|person|department|information)	-1.8
(never|not|hasn't|haven't|didn't|did not) (been )?(shipped|sent|delivered|dispatched|posted)	-2.2
(out for delivery|in transit) for	-1.8
says delivered	-1.2
(nobody|no one|no-one) (was|is|came|has been) (there|here|in touch|back to me)	-2.0
(left|dumped|thrown) (it |my parcel |the parcel |the package )?(in the rain|outside|on the doorstep|at the wrong)	-2.0
half (of it )?(is )?missing	-2.2
(item|items|part|parts|thing|things) missing	-2.0
(arrived|came|was) (damaged|broken|late|wet|open|opened|smashed|crushed)	-2.4
# the agent's and the system's stock phrases, which are neutral
(sorry|apologies|apologise|apologize) for (the|any) (inconvenience|delay|wait|trouble)	-0.3
(i'm|i am|we're|we are) (so )?sorry to hear (that)?	0.0
sorry to hear	0.0
(may|will) be recorded	0.0
(it|this) (may|can|will|could) take	0.0
(up to|within) <num> (working )?(days|hours|weeks)	0.0
(i'd|i would|we'd|we would|would) like	0.0
(look|looks|looked|looking|feel|feels|sound|sounds|seem|seems|seemed|just) like	0.0
(please|kindly|pls|plz)	0.0
please help	0.0
(can|could|would|will) you help	0.0
help (me|us) with	0.0
how (do|can|could) i	0.0
(is|are) there	0.0
ok	0.3
okay	0.3
alright	0.4
sure	0.2
right	0.0
yes	0.2
yeah	0.1
correct	0.2
free	0.7
discount	0.8
cheaper	0.6
save	0.5
bonus	1.2
upgrade	0.2
offer	0.0
exactly	0.3
finally	0.4
# emoji
😀	2.2
😃	2.2
😄	2.2
😁	2.2
😊	2.2
🙂	1.6
😍	2.8
🥰	2.8
😂	1.3
🤣	1.3
👍	1.8
👏	2.0
🙏	1.4
❤	2.4
💕	2.4
🎉	2.4
👌	1.6
😡	-3.0
😠	-2.8
🤬	-3.2
😤	-2.2
😞	-2.0
😔	-1.8
😢	-2.2
😭	-2.4
😩	-2.4
😫	-2.4
🙄	-1.6
😒	-1.8
👎	-2.2
💩	-2.4
🤦	-1.8

# added after the first dev run
right on time	1.8
(arrived|came|delivered|landed) on time	1.5
paid on time	0.0
kind of you	2.2
(takes|taking|took|take|taken) (so|too|this|that) long	-2.2
(promised|told|offered) (me |us )?(a )?(callback|call back|refund|replacement|engineer|technician|delivery|compensation)	-1.6
(treat|treated|treating) (me|us|customers|people|your customers)? like (this|that|dirt|rubbish|an idiot|a criminal)	-2.4
like (this|that)	0.0
exactly what (i|we) (needed|wanted|asked for|was looking for)	2.2
(haven't|hasn't|have not|has not|didn't|did not) (had|have|got) (any )?(hot water|water|power|electricity|internet|signal|heating|wifi|service|broadband)	-2.2
disappeared	-1.8
vanished	-1.8
wrong size	-0.6
(fixed|solved|sorted|resolved) (my|the|our) (problem|issue|problems|issues|fault)	2.0
(i|we) (want|need) (it|this|them|that) (fixed|sorted|resolved|done)	-1.2
(don't|do not|dont) want to hear	-1.6
(twice|double) (what|the amount|as much)	-1.8
(sent|explained|submitted|uploaded|emailed|filled in|asked|told you|said|reported|chased) (it |this |them |the documents |the form )?(<num>|several|many|multiple|countless) times	-2.3
(charge|charges|payment|payments|transaction|transactions) (i|we) (don't|do not|dont|didn't|did not) (recognise|recognize|know|make|authorise|authorize)	-2.0
# more general vocabulary (chat, social media)
(can't|cant|cannot) wait (for|to|till|until)	2.0
(can't|cant|cannot) wait any (longer|more)	-2.2
good grief	-1.0
greatest	3.0
birthday	1.2
celebrate	2.2
celebrating	2.2
party	0.8
holiday	1.0
vacation	1.2
weekend	0.6
beautifully	2.6
cute	2.0
sexy	2.2
smart	1.6
clever	1.8
intelligent	1.8
talented	2.2
proud	2.2
inspiring	2.4
inspired	2.0
inspiration	2.2
hilarious	2.4
laugh	1.6
laughing	1.8
smile	2.0
smiling	2.0
smiles	2.0
hug	2.0
hugs	2.0
kiss	1.8
xoxo	2.8
peace	1.6
gift	1.6
treat	1.2
yummy	2.2
delicious	2.6
tasty	2.0
glorious	2.8
magical	2.6
epic	2.2
rocks	1.6
rock	0.4
wins	2.0
winning	2.2
victory	2.4
fantastically	3.0
excellently	3.0
wonderfully	3.0
nicely	1.8
kindness	2.4
generous	2.2
support	1.0
supportive	2.0
trust	1.4
honest	1.8
fair	1.2	-1.6
unfair	-2.2
agree	1.2
interesting	1.4
interested	0.8
fascinating	2.2
curious	0.8
useful	1.6	-1.5
powerful	1.4
strong	1.0
healthy	1.6
fresh	1.0
clean	1.2
peaceful	2.0
relax	1.6
relaxing	2.0
relaxed	1.8
rest	0.5
sleep	0.2
stupid	-2.4
idiot	-2.6
idiots	-2.6
moron	-2.8
morons	-2.8
dumb	-2.2
fool	-2.0
foolish	-2.0
lame	-2.2
boring	-1.8
bored	-1.6
bummer	-2.0
sucking	-2.2
die	-2.6
dies	-2.4
died	-2.6
dying	-2.4
death	-2.6
kill	-2.8
killed	-2.8
killing	-2.6
murder	-3.2
fire	-0.8
war	-2.4
attack	-2.2
violence	-2.8
crime	-2.4
criminal	-2.6
evil	-3.0
fear	-2.2
terrified	-3.0
terrifies	-2.8
terrifying	-2.8
scary	-2.0
horror	-2.4
ill	-1.6
illness	-1.8
disease	-2.0
cancer	-2.6
leukemia	-2.6
injury	-2.0
injured	-2.2
hospital	-0.8
funeral	-2.2
grief	-2.4
saddest	-3.0
sadness	-2.6
lonely	-2.2
alone	-1.0
cried	-2.0
hurts	-2.2
ache	-1.6
headache	-1.8
hungover	-1.4
hangover	-1.6
drunk	-1.0
exhausting	-2.0
loser	-2.4
losers	-2.4
bitch	-2.8
bitches	-2.8
bitching	-2.4
fuck	-2.6
fucked	-2.8
fk	-2.4
piss	-2.4
pissed	-2.8
piss off	-3.0
fuck off	-3.2
shut up	-2.2
douchebag	-2.8
jerk	-2.4
selfish	-2.4
spam	-1.6
spammer	-2.2
ugly	-2.4
gross	-2.2
nasty	-2.6
weird	-0.8
awkward	-1.4
embarrassing	-2.0
embarrassed	-2.0
guilty	-1.8
blame	-2.0
blamed	-2.0
against	-0.6
enemy	-2.2
hostile	-2.4
threat	-2.2
threatened	-2.4
danger	-2.2
dangerous	-2.2
risk	-1.0
poison	-2.4
toxic	-2.6
poverty	-2.2
jail	-2.2
arrested	-2.0
sentenced	-1.8
ban	-2.2
banned	-2.2
protest	-1.4
crisis	-2.4
collapse	-2.4
recession	-2.2
unemployed	-2.2
fired	-2.0
quit	-1.2
miss	-1.0
missed	-1.2
