# The same image as `bin/build-image` (Jib), for those who prefer a Dockerfile:
#   docker build -t mmi:0.1.0-SNAPSHOT .        (--build-arg BASE=<image> for another Java 17+ runtime)
#   docker run --rm -p 9876:9876 mmi:0.1.0-SNAPSHOT                          # simulator + embedded broker
#   docker run --rm --group-add dialout --device /dev/ttyACM0 -v /dev/serial/by-id:/dev/serial/by-id:ro \
#     -e MMI_DEVICE_PORT=auto -v mmi-outbox:/var/lib/mmi -e MMI_OUTBOX_DIR=/var/lib/mmi/outbox mmi:0.1.0-SNAPSHOT
ARG BASE=eclipse-temurin:17-jre

FROM eclipse-temurin:17-jdk AS build
WORKDIR /src
COPY .mvn .mvn
COPY mvnw pom.xml eclipse-formatter-config.xml ./
COPY src src
COPY application.properties ./
COPY routes routes
RUN ./mvnw -B -ntp -q -DskipTests package

FROM ${BASE}
# Non-root, uid/gid 10001 as in the Kubernetes manifests; serial access through dialout (added at run time).
RUN groupadd --gid 10001 mmi && useradd --uid 10001 --gid 10001 --home-dir /app --shell /usr/sbin/nologin mmi \
    && mkdir -p /var/lib/mmi && chown 10001:10001 /var/lib/mmi
WORKDIR /app
COPY --from=build /src/target/lib/ /app/lib/
COPY --from=build /src/target/mmi.jar /app/mmi.jar
COPY application.properties /app/
COPY routes/*.camel.yaml /app/routes/
USER 10001:10001
# Health and metrics reach a container only on its own interfaces (mmi listens on 127.0.0.1 by default).
ENV MMI_HTTP_HOST=0.0.0.0
EXPOSE 9876
# Heap from the container's memory limit; the temp dir holds jSerialComm's native library (an emptyDir in Kubernetes).
ENTRYPOINT ["java", "-XX:MaxRAMPercentage=75", "-XX:+ExitOnOutOfMemoryError", "-Djava.io.tmpdir=/tmp", "-jar", "/app/mmi.jar"]
CMD ["run"]
