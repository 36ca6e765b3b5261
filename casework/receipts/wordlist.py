"""A built-in diceware-style wordlist: short, common, easy-to-type English words. Pure."""

from __future__ import annotations

_WORDS = """
able acid acre actor adapt admit adult agent agree ahead aim air alarm album alert alley
allow alpha amber amuse angle ankle apple april apron arch arena argue arm army arrow art
ashes aside atlas atom attic audio aunt autumn avoid awake award axis baby bacon badge bag
baker balmy bamboo banjo bank barn basil basin batch bath beach beam bean bear beard bee beet
bell belt bench berry bike bird bison blade blank blast blend bless blink bliss block bloom
blue blush board boat bold bolt bone bonus book boost boot booth boss bottle bowl box brain
brave bread brick bride brief bring brisk broad brook broom brush bucket buddy bugle bulb
bunch bunny burst bush butter cabin cable cactus cage cake calm camel camera camp canal candle
candy canoe canvas cape card cargo carpet carrot cart case cash castle cat cedar cello chain
chair chalk charm chart chase cheek cheese cherry chess chest chief chili chin chip choir
chord cider cinema circle city civic clam clap clay clean clerk click cliff climb clock cloth
cloud clover club coach coast cobra cocoa coffee coin comet coral cork corn cotton couch
count cousin cover cow crab craft crane crate crayon cream creek crisp crow crown cube cup
curl curve cycle daisy dance dawn deck deer delta denim depth desk dial diary dice dinner
dish diver dock dog doll dolphin donut door dove dragon drama dream dress drift drink drum
duck dune dust eagle early earth easel echo edge egg elbow elder elk ember empty energy
engine equal eraser error essay event exam extra fabric fair falcon fancy farm feast feather
fence fern ferry fever fiber field fig film final finch fire fish flag flame flash fleet
flint flock flood floor flour flute foam focus fog folk font forest fork fort fossil fox
frame fresh frog frost fruit fudge funny gala game garden garlic gate gear gecko gem genie
ghost giant gift ginger giraffe glad glass globe glove glow goat gold golf goose gorge grain
grape grass gravy green grid grill grin group grove guard guest guide guitar gull habit hall
hammer hand happy harbor harp hat hawk hazel heart heat hedge helmet hen herb hero hill hinge
hippo hobby honey hood hook hope horn horse hotel house humor hut ice icon idea igloo index
ink inlet iris iron island ivory ivy jacket jam jar jazz jeans jelly jewel jog joke jolly
judge juice jump jungle kayak kettle key kid kilt kind king kite kitten kiwi knee knot koala
label lace ladder lake lamb lamp lane laser latch lava lawn leaf ledge lemon lens level lever
lid light lilac lily lime linen lion list lizard llama lobby local lock lodge logic loop
lotus lucky lunar lunch lyric magic magnet mango manor maple marble march market mask meadow
medal melon menu merit metal mint mirror mixer model modem mole monk moon moose mop moss
motor mouse mouth movie mud mug mural music nacho nail name napkin navy neck nest net noble
noodle north nose note novel nurse nut oak oasis ocean olive omega onion opera orbit orchid
otter oven owl ozone paddle page paint palm panda paper park parrot party pasta patch path
peach pear pebble pecan pedal pen pencil pepper piano picnic pier pig pillow pilot pine pink
pipe pizza plain plan planet plant plate plaza plum pocket poem polar pond pony pool poppy
porch potato pouch prism prize puppy purple quail quart queen quest quick quiet quilt quiz
rabbit radar radio raft rain ramp ranch raven razor recipe reef relay rhino ribbon rice
ridge ring river road robin robot rocket rose rowboat ruby rug ruler sable saddle sage sail
salad salmon salt sand satin sauce scarf school scout sea seal season seed shade shark sheep
shell shelf ship shirt shoe shore shovel silk silver sketch ski skirt sky sled slope smile
snail snake snow soap sock sofa solar song soup spark spice spider spoon spring square squid
stable stage stair stamp star steam stone stool storm stove straw stream street sugar summer
sun swan sweater swing table taco tail tango tank tea teapot tent thumb tiger timber toast
token tomato tool torch tower toy track trail train tree trophy truck tulip tuna tunnel
turtle twig umbrella uncle unicorn union urban valley van vase velvet verse vest violet
violin visit voice volcano wagon walnut walrus wand water wave wax whale wheat wheel whistle
willow window wing winter wizard wolf wood wool worm yacht yard yarn year yellow yogurt zebra
zero zinc zipper zone
"""

WORDS: tuple[str, ...] = tuple(sorted(set(_WORDS.split())))
